"""Staff forms: sites, cohorts, classes, class meetings, roster upload, matricule and vetting."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.forms import Form
from lms.labels import VETTING_STATUSES


def choices(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class SiteForm(Form):
    """Add a site where training happens."""

    code = StringField(_l("Short code (e.g. kasapa)"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Add site"))


class CohortForm(Form):
    """Create a cohort: programme, site, dates and curriculum version."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    programme = SelectField(_l("Programme"), coerce=int, validators=[InputRequired()])
    version = SelectField(_l("Curriculum version"), coerce=int, validators=[Optional()])
    site = SelectField(_l("Site"), coerce=int, validators=[InputRequired()])
    start = DateField(_l("Start date"), validators=[DataRequired()])
    end = DateField(_l("End date"), validators=[DataRequired()])
    qualifies_for = SelectMultipleField(
        _l("Train-the-trainer only: programmes its graduates become qualified for"), coerce=int,
        option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False),
        validators=[Optional()])
    submit = SubmitField(_l("Create cohort"))


class ClassForm(Form):
    """Add a class to a cohort."""

    name = StringField(_l("Class name"), validators=[DataRequired(), Length(max=100)])
    submit = SubmitField(_l("Add class"))


class SplitForm(Form):
    """Share the trainees without a class among N classes."""

    count = IntegerField(_l("Number of classes"), validators=[InputRequired(),
                                                              NumberRange(min=1, max=52)])
    submit = SubmitField(_l("Split into classes"))


class TrainerForm(Form):
    """Assign a trainer to a cohort or class."""

    trainer = SelectField(_l("Trainer"), coerce=int, validators=[InputRequired()])
    override = BooleanField(_l("Administrator: assign even without a qualification"))
    submit = SubmitField(_l("Assign"))


class MeetingForm(Form):
    """Schedule a class meeting."""

    day = DateField(_l("Date"), validators=[DataRequired()])
    start = TimeField(_l("Start time"), validators=[DataRequired()])
    end = TimeField(_l("End time"), validators=[Optional()])
    room = StringField(_l("Room"), validators=[Optional(), Length(max=100)])
    trainer = SelectField(_l("Trainer"), coerce=int, validators=[Optional()])
    module = SelectField(_l("Module"), validators=[Optional()])
    submit = SubmitField(_l("Schedule meeting"))


class RosterForm(Form):
    """Upload a roster exported from a spreadsheet."""

    file = FileField(_l("Roster file (XLSX, XLS, ODS or CSV)"), validators=[FileRequired()])
    submit = SubmitField(_l("Check the file"))


class ServiceNumberForm(Form):
    """Give a trainee their matricule."""

    service_number = StringField(_l("Service number (matricule)"),
                                 validators=[DataRequired(), Length(max=40)])
    submit = SubmitField(_l("Save service number"))


class VettingForm(Form):
    """Record a trainee's human-rights (Leahy) vetting status."""

    status = SelectField(_l("Vetting status"), choices=[
        SelectChoice(code, words) for code, words in VETTING_STATUSES.items()])
    note = StringField(_l("Note (reference of the decision)"),
                       validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Save vetting status"))
