"""Command-line tasks: ``flask create-admin``, ``flask seed-demo``."""
import click

from .domain.errors import DomainError
from .domain.orgs import create_admin
from .extensions import db


@click.command("create-admin")
@click.option("--username", required=True, help="Login name of the platform administrator.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Prompted for when left out.")
def create_admin_command(username, password):
    """Create a platform administrator (the first account of a new installation)."""
    try:
        user = create_admin(username, password)
    except DomainError as error:
        db.session.rollback()
        details = "; ".join(f"{field}: {' '.join(texts)}" for field, texts in (error.errors or {}).items())
        raise click.ClickException(error.message + (f" ({details})" if details else ""))
    db.session.commit()
    click.echo(f"已创建平台管理员 {user.username}（id {user.id}）")


def init_cli(app):
    """Register the commands on ``app``."""
    from .demo import seed_demo_command

    app.cli.add_command(create_admin_command)
    app.cli.add_command(seed_demo_command)
