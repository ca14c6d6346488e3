"""Command-line tasks: ``flask create-admin``, ``flask seed-demo``, ``flask audit verify``, ``flask cases notify-overdue``."""
import click
from flask.cli import AppGroup

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


audit_cli = AppGroup("audit", help="The audit trail (全程留痕).")


@audit_cli.command("verify")
def audit_verify_command():
    """Walk the hash chain of the audit trail; exit 1 naming the first broken row."""
    from .domain.audit import verify_chain

    checked, broken = verify_chain()
    if broken is None:
        click.echo(f"审计链完整：共 {checked} 条记录")
        return
    where = f"第 {broken.seq} 条" + (f"（id {broken.entry_id}）" if broken.entry_id is not None else "")
    click.echo(f"审计链断裂：{where}：{broken.problem}；此前 {checked} 条完好", err=True)
    raise SystemExit(1)


cases_cli = AppGroup("cases", help="Bad-review cases (差评处理).")


@cases_cli.command("notify-overdue")
def cases_notify_overdue_command():
    """Tell agencies and providers about cases past a deadline (once per case). Run from cron."""
    from .domain.cases import notify_overdue

    count = notify_overdue()
    db.session.commit()
    click.echo(f"逾期提醒：{count} 件")


def init_cli(app):
    """Register the commands on ``app``."""
    from .demo import seed_demo_command

    app.cli.add_command(create_admin_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(audit_cli)
    app.cli.add_command(cases_cli)
