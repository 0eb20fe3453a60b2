from burnblack.cli import app

app(prog_name="burnblack")
