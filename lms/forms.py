"""The base of every LMS form: Flask-WTF (CSRF) plus what all typed text goes through."""

from flask_wtf import FlaskForm


def without_nul(value):
    """Text without NUL characters: no one types them, and PostgreSQL refuses them in text
    columns (a pasted or forged one would otherwise end in a server error)."""
    return value.replace("\x00", "") if isinstance(value, str) else value


class Form(FlaskForm):
    """A FlaskForm whose every field drops NUL characters from what was typed."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = [*unbound_field.kwargs.get("filters", ()), without_nul]
            return unbound_field.bind(form=form, filters=filters, **options)


def drop_nul_from_request(request) -> None:
    """Remove NUL characters from the query string, the form and the URL's parts of a request.

    Run once before every LMS view, so no parameter can carry one to the database.
    """
    from werkzeug.datastructures import ImmutableMultiDict

    def cleaned(values):
        if not any("\x00" in key or "\x00" in value
                   for key, value in values.items(multi=True) if isinstance(value, str)):
            return values
        return ImmutableMultiDict([(without_nul(key), without_nul(value))
                                   for key, value in values.items(multi=True)])

    request.args = cleaned(request.args)
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        request.form = cleaned(request.form)
    request.__dict__.pop("values", None)  # rebuilt from the cleaned args and form
    if request.view_args:
        for key, value in request.view_args.items():
            request.view_args[key] = without_nul(value)
