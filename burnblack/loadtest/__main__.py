"""Entry point of the load test: gevent patches the standard library before any import."""

from gevent import monkey

monkey.patch_all()

from burnblack.loadtest.cli import main  # noqa: E402

main()
