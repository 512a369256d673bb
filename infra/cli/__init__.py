"""The operator CLI (`python -m infra.cli`, `make cli`): main.py parses, env.py points it at a stack,
commands.py runs the commands (production code: it writes DynamoDB and sends e-mail)."""
