"""The `phananh` command's account chore, against the test database."""

from click.testing import CliRunner
from sqlalchemy import text
from sqlmodel import select

from service.cli import main as cli
from service.core.database import session_scope
from service.identity.models import User
from service.identity.security import verify_password


def test_create_user_reads_the_password_from_stdin_and_the_account_works(database):
    runner = CliRunner()
    try:
        result = runner.invoke(
            cli,
            [
                "create-user",
                "--username",
                "canbo.cli",
                "--full-name",
                "Cán bộ CLI",
                "--role",
                "officer",
                "--unit",
                "05443-KTHT",
                "--password-stdin",
            ],
            input="mat-khau-tu-cli\n",
        )
        assert result.exit_code == 0, result.output
        assert "mat-khau-tu-cli" not in result.output
        with session_scope() as session:
            user = session.exec(select(User).where(User.username == "canbo.cli")).one()
            assert user.role == "officer" and user.unit is not None and user.unit.code == "05443-KTHT"
            assert verify_password(user.password_hash, "mat-khau-tu-cli")

        again = runner.invoke(
            cli,
            ["create-user", "--username", "canbo.cli", "--full-name", "X", "--role", "admin", "--password-stdin"],
            input="mat-khau-tu-cli\n",
        )
        assert again.exit_code != 0 and "already exists" in again.output
        no_unit = runner.invoke(
            cli,
            ["create-user", "--username", "canbo.khac", "--full-name", "X", "--role", "officer", "--password-stdin"],
            input="mat-khau-tu-cli\n",
        )
        assert no_unit.exit_code != 0 and "unit" in no_unit.output
    finally:
        with session_scope() as session:
            session.execute(text("DELETE FROM users WHERE username IN ('canbo.cli', 'canbo.khac')"))
