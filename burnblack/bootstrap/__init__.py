"""The composition roots, one per process kind (docs/architecture.md, "Process map"):

- `api`: Granian's app factory; builds the API's event stores, pools, Redis clients and
  services once per server process and hands them to the Litestar app.
- `worker`: the RQ worker loop; one Redis client, the queues, and the `JobContext` passed to
  every job by the worker's job class.
- `projector`: the log runner with its followers, reactors and sweeps.
- `operations`: projection rebuilds (the CLI, and the worker's rebuild job).
- `jobs`: what may be enqueued (the only place that names a job function) and how.
- `wiring`: the builders of clients, pools and applications that the roots and the CLI use.
"""
