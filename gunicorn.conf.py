"""Gunicorn reads this file from the working directory: access logs without private data
(the secret in /verify/<token> links, emails, phone numbers) when `accesslog` is turned on."""

from gunicorn.glogging import Logger

from app.logs import scrub


class PrivateAccessLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: scrub(value) if isinstance(value, str) else value for key, value in atoms.items()
        }


logger_class = PrivateAccessLogger
