"""Entry points that run INSIDE the sandbox (``python -B /sandbox/runners/<name>.py ...``).

Each is a standalone script: standard library plus what the venv offers (nbclient), never Django and never
the rest of the project, which is not mounted in the sandbox. ``grader.sandbox.runner_command`` builds
their command lines.
"""
