"""Sign-in: NativeAuthenticator (sign-up at ``/hub/signup``, the admin approves at
``/hub/authorize``), made to work with JupyterHub 6.

NativeAuthenticator 1.3.0 (the latest release) times its login with ``self.statsd``, which
JupyterHub 6 removed (jupyterhub/jupyterhub#5407): every POST to ``/hub/login`` failed with a 500,
and the error page then failed too (JupyterHub's ``LoginHandler.render_template`` hands
``sync=True`` to NativeAuthenticator's ``_render``). :class:`CourseLoginHandler` gives it a timer
that does nothing and lets ``_render`` ignore keywords it does not know; the rest is
NativeAuthenticator's own.
"""
from __future__ import annotations

from nativeauthenticator import NativeAuthenticator
from nativeauthenticator.handlers import LoginHandler


class _NoTimer:
    def timer(self, *args, **kwargs):
        return self

    def start(self):
        return self

    def stop(self, *args, **kwargs):
        return None

    def incr(self, *args, **kwargs):
        return None


class CourseLoginHandler(LoginHandler):
    statsd = _NoTimer()

    def _render(self, login_error=None, username=None, **_ignored):
        return super()._render(login_error=login_error, username=username)


class CourseAuthenticator(NativeAuthenticator):
    """NativeAuthenticator with :class:`CourseLoginHandler` at ``/login``."""

    def get_handlers(self, app):
        return [(path, CourseLoginHandler if handler is LoginHandler else handler)
                for path, handler in super().get_handlers(app)]
