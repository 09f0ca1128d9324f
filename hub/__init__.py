"""The course hub: JupyterHub for a class (``make hub``). See ``hub/jupyterhub_config.py``."""
