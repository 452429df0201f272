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
