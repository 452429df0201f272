"""Forms of the exam-day pages: waves, anonymous marking, paper entry."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, StringField, SubmitField
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from lms.forms import Form


class ExamOptionsForm(Form):
    """How a quiz opens on exam day, and whether it is marked without names."""

    # A plain <select> in the template (WTForms changes how SelectField takes choices).
    wave_by = StringField(_l("Open the quiz"), default="",
                          validators=[AnyOf(["", "class", "count"])])
    wave_size = IntegerField(_l("Trainees per wave"), default=20,
                             validators=[Optional(), NumberRange(min=1, max=10000)])
    wave_every = IntegerField(_l("Seconds between two waves"), default=120,
                              validators=[Optional(), NumberRange(min=1, max=86400)])
    anonymous = BooleanField(_l("Mark anonymously: graders see copy numbers, not names, until "
                                "the grades are released"))
    submit = SubmitField(_l("Save"))


class PaperCodeForm(Form):
    """The code printed on a paper, typed or scanned."""

    code = StringField(_l("Code on the paper"), validators=[DataRequired(), Length(max=40)])
    submit = SubmitField(_l("Open this paper"))
