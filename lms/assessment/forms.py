"""Forms of the grading pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from lms.forms import Form


class GradeForm(Form):
    """A trainer's score and comment for one written answer."""

    # Optional: a question with criteria takes its score from the levels chosen.
    score = StringField(_l("Score"), validators=[Optional(), Length(max=10)])
    comment = TextAreaField(_l("Comment for the trainee"), validators=[Length(max=5000)])
    reason = StringField(_l("Reason for the change"), validators=[Length(max=500)])
    version = IntegerField(default=0, validators=[Optional()])
    submit = SubmitField(_l("Save grade"))


class PracticalForm(Form):
    """A trainer's comment on a practical assessment (levels come from the rubric radios)."""

    comment = TextAreaField(_l("Comment for the trainee"), validators=[Length(max=5000)])
    version = IntegerField(default=0, validators=[Optional()])
    submit = SubmitField(_l("Save result"))


class ScheduleForm(Form):
    """When a cohort may sit one quiz."""

    item = HiddenField(validators=[DataRequired()])
    opens_at = DateTimeLocalField(_l("Opens"), format="%Y-%m-%dT%H:%M",
                                  validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Closes"), format="%Y-%m-%dT%H:%M",
                                   validators=[Optional()])
    submit = SubmitField(_l("Save dates"))


class GiftImportForm(Form):
    """Upload a Moodle question export (GIFT or Moodle XML) to convert it to a Markdown quiz."""

    file = FileField(_l("Moodle file: GIFT (.txt, .gift) or Moodle XML (.xml)"),
                     validators=[FileRequired()])
    title = StringField(_l("Quiz title (optional)"), validators=[Length(max=200)])
    # A plain <select> in the template (WTForms changes how SelectField takes choices).
    lang = StringField(_l("Language of the quiz"), default="fr",
                       validators=[AnyOf(["fr", "en"])])
    submit = SubmitField(_l("Convert"))
