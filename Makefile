# The two commands of the README. Each installs what it needs first (scripts/bootstrap).
.PHONY: up test
up:
	@scripts/bootstrap
	@.venv/bin/deskpilot up

test:
	@scripts/bootstrap
	@scripts/test
