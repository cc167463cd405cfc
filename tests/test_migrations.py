"""The migrations build exactly the schema the models describe (on SQLite and PostgreSQL)."""


def test_models_and_migrations_agree(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
