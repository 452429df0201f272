"""Printable PDFs made on the server without any network service: certificates, transcripts."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable
from datetime import date

import segno
from babel.dates import format_date
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from lms import resources
from lms.certificates.models import Certificate

BLACK, GREY = (0, 0, 0), (70, 70, 70)


def _font_dir():
    return resources.static_dir() / "fonts"


def _document(orientation: str) -> FPDF:
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.set_creator("Police academy LMS")
    pdf.add_font("DejaVu", "", str(_font_dir() / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(_font_dir() / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(False)
    return pdf


def _day(value: date, lang: str) -> str:
    return format_date(value, "d MMMM y", locale=lang)


def _qr_png(text: str) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=8, border=0)
    buffer.seek(0)
    return buffer


def _line(pdf: FPDF, text: str, size: float, style: str = "", color=BLACK, h: float | None = None,
          x: float | None = None, w: float = 0, align: str = "C") -> None:
    pdf.set_font("DejaVu", style, size)
    pdf.set_text_color(*color)
    if x is not None:
        pdf.set_x(x)
    pdf.cell(w, h or size * 0.5, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _certificate_page(pdf: FPDF, cert: Certificate, issuer: str, url_for_cert: Callable) -> None:
    pdf.add_page()
    width, height = pdf.w, pdf.h
    pdf.set_draw_color(*BLACK)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, width - 16, height - 16)
    pdf.set_line_width(0.3)
    pdf.rect(11, 11, width - 22, height - 22)
    pdf.set_margins(20, 16, 20)
    pdf.set_y(18)
    _line(pdf, issuer.upper(), 11, "B", GREY)
    _line(pdf, cert.site_name, 10, "", GREY)
    pdf.ln(8)
    _line(pdf, "CERTIFICAT DE FIN DE FORMATION", 24, "B", h=11)
    _line(pdf, "Certificate of completion", 14, "", GREY, h=8)
    pdf.ln(6)
    _line(pdf, "Décerné à  ·  Awarded to", 11, "", GREY)
    pdf.ln(2)
    _line(pdf, cert.name, 28, "B", h=14)
    if cert.service_number:
        _line(pdf, f"Matricule  ·  Service number : {cert.service_number}", 10.5, h=6)
    pdf.set_draw_color(*GREY)
    pdf.set_line_width(0.3)
    pdf.line(width / 2 - 70, pdf.get_y() + 1, width / 2 + 70, pdf.get_y() + 1)
    pdf.ln(7)
    _line(pdf, "pour avoir suivi avec succès la formation", 11, "", GREY)
    _line(pdf, cert.title_in("fr"), 17, "B", h=9)
    _line(pdf, "for successfully completing the programme", 11, "", GREY)
    _line(pdf, cert.title_in("en"), 14, "", h=8)
    pdf.ln(3)
    _line(pdf, f"{cert.site_name}, du {_day(cert.start_date, 'fr')} au "
          f"{_day(cert.end_date, 'fr')}", 10.5)
    _line(pdf, f"from {_day(cert.start_date, 'en')} to {_day(cert.end_date, 'en')}", 10.5,
          color=GREY)
    _line(pdf, f"Programme {cert.programme_code}, version {cert.version_label} "
          f"({cert.content_hash[:12]})", 8.5, color=GREY)
    if cert.valid_until is not None:
        _line(pdf, f"Valable jusqu'au {_day(cert.valid_until, 'fr')}  ·  Valid until "
              f"{_day(cert.valid_until, 'en')}", 10, "B")
    if cert.renews_serial:
        _line(pdf, f"Renouvelle le certificat  ·  Renews certificate {cert.renews_serial[:5]}-"
              f"{cert.renews_serial[5:]}", 8.5, color=GREY)
    if cert.trainers:
        pdf.set_font("DejaVu", "", 8.5)
        _line(pdf, _fit(pdf, "Formateurs  ·  Trainers : " + "; ".join(
            _trainer_text(t) for t in cert.trainers), pdf.w - 60), 8.5, color=GREY)

    # Bottom left: date and signature; bottom right: QR code, serial and where to verify.
    qr_size, bottom = 40, height - 16
    qr_x, qr_y = width - 20 - qr_size, bottom - 12 - qr_size
    pdf.image(_qr_png(url_for_cert(cert, with_token=True)), x=qr_x, y=qr_y, w=qr_size,
              h=qr_size)
    left_w = qr_x - 30
    pdf.set_y(qr_y + 4)
    issued = cert.issued_at.date()
    _line(pdf, f"Délivré le {_day(issued, 'fr')}  ·  Issued on {_day(issued, 'en')}", 10,
          x=22, w=left_w, align="L")
    pdf.ln(12)
    pdf.set_draw_color(*BLACK)
    pdf.line(22, pdf.get_y(), 100, pdf.get_y())
    pdf.ln(1)
    _line(pdf, "Pour l'académie  ·  For the academy", 9, "", GREY, x=22, w=left_w, align="L")
    if cert.issued_by is not None:
        _line(pdf, cert.issued_by.display_name, 9, "", GREY, x=22, w=left_w, align="L")
    pdf.set_y(qr_y + qr_size - 8)
    _line(pdf, "Vérifier ce certificat  ·  Verify this certificate:", 9, "", GREY, x=22,
          w=left_w, align="L")
    _line(pdf, url_for_cert(cert, with_token=False), 10, "B", x=22, w=left_w, align="L")
    pdf.set_xy(qr_x - 10, qr_y + qr_size + 1.5)
    pdf.set_font("DejaVu", "", 8)
    pdf.set_text_color(*GREY)
    pdf.cell(qr_size + 20, 4, "N° / Serial", align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "B", 12)
    pdf.set_text_color(*BLACK)
    pdf.cell(qr_size + 20, 6, cert.display_serial, align="C")


def _trainer_text(trainer: dict) -> str:
    held = trainer.get("qualification") or {}
    source = ", ".join(v for v in (held.get("source"), held.get("certificate")) if v)
    return f"{trainer['name']} ({source})" if source else trainer["name"]


def certificates_pdf(certificates: Iterable[Certificate], issuer: str,
                     url_for_cert: Callable) -> bytes:
    """One A4 landscape page per certificate, bilingual French/English, black and white."""
    pdf = _document("L")
    certificates = list(certificates)
    pdf.set_title("Certificats" if len(certificates) > 1 else
                  f"Certificat {certificates[0].display_serial}")
    for cert in certificates:
        _certificate_page(pdf, cert, issuer, url_for_cert)
    return bytes(pdf.output())


def file_name(cert: Certificate) -> str:
    """A safe file name for a certificate's PDF."""
    safe = "".join(c if c.isalnum() else "-" for c in cert.name).strip("-")
    return f"certificat-{cert.serial}-{safe}.pdf"


def certificates_zip(certificates: Iterable[Certificate], issuer: str,
                     url_for_cert: Callable) -> bytes:
    """A zip with one PDF per certificate and one combined PDF to print."""
    certificates = list(certificates)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for cert in certificates:
            archive.writestr(file_name(cert), certificates_pdf([cert], issuer, url_for_cert))
        archive.writestr("0-tous-les-certificats-all.pdf",
                         certificates_pdf(certificates, issuer, url_for_cert))
    return buffer.getvalue()


def transcript_pdf(transcript: dict, issuer: str) -> bytes:
    """A trainee's transcript: every programme, its modules, grades, attendance, certificate."""
    pdf = _document("P")
    pdf.set_title("Relevé de notes / Transcript")
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_margins(18, 16, 18)
    pdf.add_page()
    _line(pdf, issuer.upper(), 10, "B", GREY)
    pdf.ln(2)
    _line(pdf, "RELEVÉ DE NOTES  ·  TRANSCRIPT", 18, "B", h=10)
    pdf.ln(2)
    _line(pdf, transcript["name"], 14, "B", h=8)
    _line(pdf, transcript["identifier"], 10, "", GREY)
    _line(pdf, f"Édité le {_day(transcript['date'], 'fr')}  ·  Printed on "
          f"{_day(transcript['date'], 'en')}", 9, "", GREY)
    pdf.ln(4)
    if not transcript["programmes"]:
        _line(pdf, "Aucune formation  ·  No programme", 11)
    for programme in transcript["programmes"]:
        _programme_block(pdf, programme)
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 7.5)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(0, 4, "Notes sur 20 ; le seuil de réussite est celui de chaque évaluation.  ·  "
                   "Marks out of 20; each assessment sets its own pass mark.")
    return bytes(pdf.output())


def _programme_block(pdf: FPDF, programme: dict) -> None:
    if pdf.get_y() > pdf.h - 70:
        pdf.add_page()
    pdf.set_draw_color(*BLACK)
    pdf.set_line_width(0.4)
    pdf.line(18, pdf.get_y(), pdf.w - 18, pdf.get_y())
    pdf.ln(2)
    _line(pdf, f"{programme['title_fr']}  ·  {programme['title_en']}", 12, "B", h=7, align="L")
    _line(pdf, f"{programme['cohort']} — {programme['site']}, {_day(programme['start'], 'fr')} "
          f"→ {_day(programme['end'], 'fr')}  ·  version {programme['version']}", 8.5, "", GREY,
          align="L")
    attendance = programme["attendance"]
    _line(pdf, "Assiduité / Attendance : " + (f"{attendance:.0f} %" if attendance is not None
          else "non enregistrée / not recorded"), 9, align="L")
    certificate = programme.get("certificate")
    _line(pdf, "Certificat / Certificate : " + (
        f"{certificate['serial']} ({certificate['status']})" if certificate else "—"), 9,
        align="L")
    pdf.ln(1)
    widths = (50, 66, 20, 38)
    pdf.set_font("DejaVu", "B", 8)
    pdf.set_text_color(*BLACK)
    for text, w in zip(("Module", "Évaluation / Assessment", "Note / Mark", "Résultat / Result"),
                       widths, strict=True):
        pdf.cell(w, 6, text, border="B")
    pdf.ln(6)
    pdf.set_font("DejaVu", "", 8)
    for row in programme["rows"]:
        if pdf.get_y() > pdf.h - 24:
            pdf.add_page()
        cells = (row["module"], row["title"], row["mark"], row["result"])
        for text, w in zip(cells, widths, strict=True):
            pdf.cell(w, 5.5, _fit(pdf, text, w - 1.5))
        pdf.ln(5.5)
    pdf.ln(4)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"
