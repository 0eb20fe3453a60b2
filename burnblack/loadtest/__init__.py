"""`burnblack loadtest`: locust as a library against the platform (see docs/load.md).

It runs in a process of its own (`python -m burnblack.loadtest`), because locust's gevent
must patch the standard library before anything else imports it.
"""
