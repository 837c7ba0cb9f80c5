"""Sub-command registration (placeholder until the package's command lands)."""


def add_command(sub) -> None:
    pass
