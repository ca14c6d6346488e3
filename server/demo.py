"""Demo data (filled in by `flask seed-demo`)."""
import click


@click.command("seed-demo")
def seed_demo_command():
    """Load demo data."""
    raise click.ClickException("not yet implemented")
