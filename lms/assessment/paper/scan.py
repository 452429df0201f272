"""Reading a photographed or scanned answer sheet: QR code for the paper, corner marks to
straighten the photo, then the boxes. Whatever is not clear is left for a person to decide.

OpenCV and NumPy are imported by the first scan only (they weigh ~40 MB in a worker).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from lms.assessment.paper import sheet as geometry
from lms.assessment.paper.services import QR_PREFIX, PaperRefused

PX_PER_MM = 4  # the straightened sheet: 840 x 1188 pixels
EMPTY_BELOW, FILLED_ABOVE = 0.07, 0.85  # share of dark pixels inside a box
UNSURE = (0.72, 0.85)  # between a tick and a blacked-out box: a person looks


@dataclass
class SheetImage:
    """One answer sheet page as read: its paper code and page, the straightened image (PNG)."""

    code: str
    page: int  # from 0
    png: bytes
    gray: object = field(repr=False)  # the straightened image (NumPy array)


@dataclass
class RowReading:
    """What one line of boxes says: the letters ticked, or why a person must look."""

    label: str
    letters: str = ""
    unclear: str = ""


def decode_qr(gray) -> tuple[str, int, object] | None:
    """(code, page from 0, QR corner points) from an image, trying a few clean-ups."""
    import cv2

    detector = cv2.QRCodeDetector()
    attempts = [gray, cv2.equalizeHist(gray),
                cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C,
                                      cv2.THRESH_BINARY, 51, 10)]
    for image in attempts:
        for scale in (1.0, 0.5):
            shown = image if scale == 1.0 else cv2.resize(image, None, fx=scale, fy=scale)
            text, points, _straight = detector.detectAndDecode(shown)
            if text.startswith(QR_PREFIX + ":") and points is not None:
                parts = text.split(":")
                return parts[1], int(parts[2]) - 1, points.reshape(-1, 2) / scale
    return None


def _mark_candidates(gray, qr_points, mm: float) -> list[tuple[float, float]]:
    """Centres of solid dark squares the size of a corner mark, outside the QR code."""
    import cv2
    import numpy as np

    binary = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV,
                                   int(mm * 20) | 1, 15)
    contours, _hierarchy = cv2.findContours(binary, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    expected = (geometry.MARK * mm) ** 2
    qr = cv2.convexHull(qr_points.astype(np.float32))
    found = []
    for contour in contours:
        area = cv2.contourArea(contour)
        if not 0.7 * expected < area < 1.8 * expected:  # answer boxes are about half
            continue
        (cx, cy), (w, h), _angle = cv2.minAreaRect(contour)
        if not w or not h or not 0.6 < w / h < 1.6 or area / (w * h) < 0.75:
            continue
        if cv2.pointPolygonTest(qr, (cx, cy), True) > -3 * mm:
            continue
        found.append((cx, cy))
    return found


def straighten(image_bytes: bytes) -> SheetImage:
    """Find the QR code and the four corner marks, and warp the photo onto the printed page."""
    import cv2
    import numpy as np

    raw = cv2.imdecode(np.frombuffer(image_bytes, np.uint8), cv2.IMREAD_GRAYSCALE)
    if raw is None:
        raise PaperRefused(_("This file is not a picture that can be read (send JPEG or PNG)."))
    qr = decode_qr(raw)
    if qr is None:
        raise PaperRefused(_("The QR code of this sheet cannot be read: take the photo again, "
                             "flat and well lit, or type the answers."))
    code, page, qr_points = qr
    side = max(np.linalg.norm(qr_points[i] - qr_points[(i + 1) % 4]) for i in range(4))
    mm = side / (geometry.QR_SIZE * 0.87)  # segno's quiet zone: the code is ~87% of the image
    marks = _mark_candidates(raw, qr_points, mm)
    if len(marks) < 4:
        raise PaperRefused(_("The four black corner marks of this sheet cannot all be seen: "
                             "take the photo again with the whole sheet in view."))
    points = np.array(marks, dtype=np.float32)
    sums, diffs = points.sum(axis=1), points[:, 0] - points[:, 1]
    corners = [points[sums.argmin()], points[diffs.argmax()], points[sums.argmax()],
               points[diffs.argmin()]]  # the four outermost, clockwise from top left
    target = np.array([geometry.MARK_CENTRES[i] for i in (0, 1, 3, 2)],
                      dtype=np.float32) * PX_PER_MM
    qr_centre = qr_points.mean(axis=0).reshape(1, 1, 2).astype(np.float32)
    expected = np.array([geometry.QR_X + geometry.QR_SIZE / 2,
                         geometry.QR_Y + geometry.QR_SIZE / 2]) * PX_PER_MM
    best = None
    for turn in range(4):  # the photo may be turned: the QR code says which way is up
        source = np.array(corners[turn:] + corners[:turn], dtype=np.float32)
        matrix = cv2.getPerspectiveTransform(source, target)
        where = cv2.perspectiveTransform(qr_centre, matrix).reshape(2)
        distance = float(np.linalg.norm(where - expected))
        if best is None or distance < best[0]:
            best = (distance, matrix)
    if best[0] > 15 * PX_PER_MM:
        raise PaperRefused(_("The corner marks of this sheet do not line up: take the photo "
                             "again, flat, with the whole sheet in view."))
    size = (int(geometry.PAGE_W * PX_PER_MM), int(geometry.PAGE_H * PX_PER_MM))
    flat = cv2.warpPerspective(raw, best[1], size, flags=cv2.INTER_AREA,
                               borderValue=255)
    # Even out the light: a dark or unevenly lit photo becomes black ink on white.
    background = cv2.medianBlur(flat, 41)
    flat = cv2.divide(flat, np.maximum(background, 1), scale=255)
    ok, png = cv2.imencode(".png", flat)
    return SheetImage(code, page, png.tobytes(), flat)


def box_fill(gray, box: tuple[float, float, float, float]) -> float:
    """Share of dark pixels inside a box, its printed border left out."""
    x, y, w, h = (round(v * PX_PER_MM) for v in box)
    inset = round(0.9 * PX_PER_MM)
    inside = gray[y + inset:y + h - inset, x + inset:x + w - inset]
    return float((inside < 140).mean()) if inside.size else 0.0


def read_rows(image: SheetImage, rows: list[geometry.SheetRow]) -> list[RowReading]:
    """What the boxes of each line of this page say; unclear lines say why."""
    found = []
    for row in rows:
        if row.page != image.page or not row.ticks:
            continue
        fills = [box_fill(image.gray, row.box(i)) for i in range(len(row.question.letters))]
        ticked = [row.question.letters[i] for i, f in enumerate(fills)
                  if EMPTY_BELOW <= f < FILLED_ABOVE]
        unsure = any(UNSURE[0] <= f < UNSURE[1] for f in fills)
        reading = RowReading(row.label, "".join(ticked))
        several = row.question.question["type"] == "multiple"
        if unsure:
            reading.unclear = _("a box is neither clearly ticked nor clearly cancelled")
        elif not ticked:
            reading.unclear = _("no box ticked")
        elif len(ticked) > 1 and not several and row.item is None:
            reading.unclear = _("more than one box ticked")
        elif len(ticked) > 1 and row.item is not None:
            reading.unclear = _("more than one box ticked")
        found.append(reading)
    return found
