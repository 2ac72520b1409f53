"""Synthetic frontal chest radiographs and pneumothorax masks, drawn fast with numpy and Pillow.

A picture is built as a density map (bright = dense, as in a MONOCHROME2 radiograph): soft
tissue, dark lungs cut by the heart and mediastinum, spine, posterior and anterior ribs,
clavicles, scapulae, humeral heads, vessels fanning out of the hila, breast shadows for women.
AP (portable, supine) films differ from PA ones as in real practice: magnified heart, higher
and flatter clavicles, scapulae over the lungs, shallower inspiration, more noise, and side
markers with ECG leads. The map is drawn at half resolution (smooth structures) and noise is
added at full resolution.

A pneumothorax is air between lung and chest wall: the lung retracts towards its hilum, so the
mask is the lung outline minus the lung scaled about the hilum, cut to the apex and the
lateral wall. Inside it the lung markings vanish and a thin visceral pleural line shows.

Coordinates are fractions of the image side, ``x`` to the image's right (the patient's left)
and ``y`` down; image index ``[row, column]`` is ``[y, x]``.
"""

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from imaging_course.datasets.siim.header import IMAGE_SIZE

WORK_SIZE = IMAGE_SIZE // 2
"""Side of the half-resolution canvas the smooth anatomy is drawn on, in pixels."""

# Control polygons of the lungs as seen on a PA film, (x, y) fractions; the image-left lung
# is the patient's right. Smoothed by Chaikin's algorithm, then cut by heart and mediastinum.
_RIGHT_LUNG = np.array(
    [
        (0.355, 0.125),
        (0.27, 0.16),
        (0.19, 0.26),
        (0.145, 0.42),
        (0.125, 0.60),
        (0.13, 0.76),
        (0.16, 0.765),
        (0.25, 0.68),
        (0.34, 0.655),
        (0.45, 0.70),
        (0.47, 0.50),
        (0.46, 0.30),
        (0.43, 0.17),
    ]
)
_LEFT_LUNG = np.array(
    [
        (0.645, 0.13),
        (0.73, 0.165),
        (0.81, 0.27),
        (0.855, 0.43),
        (0.875, 0.61),
        (0.87, 0.78),
        (0.84, 0.785),
        (0.75, 0.70),
        (0.65, 0.69),
        (0.55, 0.72),
        (0.53, 0.50),
        (0.54, 0.30),
        (0.57, 0.17),
    ]
)
_MEDIASTINUM = np.array(
    [
        (0.445, 0.0),
        (0.555, 0.0),
        (0.565, 0.24),
        (0.605, 0.27),
        (0.60, 0.32),
        (0.56, 0.35),
        (0.55, 0.46),
        (0.45, 0.46),
        (0.445, 0.30),
        (0.435, 0.22),
    ]
)
_BODY = np.array(
    [
        (0.40, -0.05),
        (0.60, -0.05),
        (0.62, 0.05),
        (0.80, 0.08),
        (0.97, 0.14),
        (1.05, 0.24),
        (1.05, 1.05),
        (-0.05, 1.05),
        (-0.05, 0.24),
        (0.03, 0.14),
        (0.20, 0.08),
        (0.38, 0.05),
    ]
)

PNEUMOTHORAX_AREA = (0.001, 0.05)
"""Smallest and largest mask area, as fractions of the image (the real masks' range)."""


@dataclass(frozen=True)
class ChestAnatomy:
    """Where one patient's structures lie on the film, as fractions of the image side.

    ``lungs`` holds the smoothed (image-left, image-right) lung outlines before the heart and
    mediastinum cut them; ``hila`` their hilum points, ``heart`` the cardiac ellipse
    ``(cx, cy, rx, ry)``; ``rib_levels`` the ``y`` where each posterior rib leaves the spine.
    """

    view: str
    sex: str
    lungs: tuple[np.ndarray, np.ndarray]
    hila: tuple[tuple[float, float], tuple[float, float]]
    heart: tuple[float, float, float, float]
    mediastinum: np.ndarray
    body: np.ndarray
    rib_levels: np.ndarray
    clavicle_y: float
    spine_x: float


SHRINK_RANGE = (0.014, 0.45)
"""Bounds of a collapsing lung's shrink (1 - retraction): they keep one mask between about
0.1% and 5% of the image, the real masks' range."""


@dataclass(frozen=True)
class PneumothoraxSpec:
    """One pneumothorax mask: which lung (0 image-left, 1 image-right), how far it retracts.

    ``retraction`` is the scale (below 1) of the collapsed lung about its hilum; ``extent`` the
    fraction of the lung's height, from the apex down, that the air reaches. With ``bands``
    above one the air is cut into that many pieces from top to bottom (outlined apart, as an
    annotator outlines a loculated pneumothorax) and the mask is piece ``band``.
    """

    lung: int
    retraction: float
    extent: float
    band: int = 0
    bands: int = 1


BAND_SHRINK = 0.018
"""Extra shrink per piece of a lung cut into pieces: each piece still covers 0.1% of the image."""

BAND_GAP_ROWS = 6
"""Rows left out between two pieces of one lung's air, so that they are separate masks."""


def _chaikin(points: np.ndarray, rounds: int = 3) -> np.ndarray:
    """Smooth a closed polygon by corner cutting (Chaikin), ``rounds`` times."""
    for _ in range(rounds):
        following = np.roll(points, -1, axis=0)
        points = np.stack((0.75 * points + 0.25 * following, 0.25 * points + 0.75 * following), 1)
        points = points.reshape(-1, 2)
    return points


def _transform(points: np.ndarray, center, scale, shift) -> np.ndarray:
    return (points - center) * scale + center + shift


def draw_chest_anatomy(rng: np.random.Generator, view: str, sex: str) -> ChestAnatomy:
    """One patient's anatomy for a ``PA`` or ``AP`` film of a ``M`` or ``F`` patient."""
    portable = view == "AP"
    center = np.array([0.5, 0.45])
    # Shallower inspiration on supine portable films: shorter lungs, diaphragm higher.
    height = rng.uniform(0.86, 0.96) if portable else rng.uniform(0.95, 1.06)
    width = rng.uniform(0.92, 1.04) * (1.04 if sex == "M" else 0.97)
    scale = np.array([width, height])
    shift = np.array([rng.normal(0, 0.012), rng.normal(0, 0.015) - (0.02 if portable else 0)])
    jitter = rng.normal(0, 0.008, size=(2, len(_RIGHT_LUNG), 2))
    lungs = tuple(
        _chaikin(_transform(base + noise, center, scale, shift))
        for base, noise in zip((_RIGHT_LUNG, _LEFT_LUNG), jitter, strict=True)
    )
    hila = (
        tuple(_transform(np.array([0.41, 0.43]), center, scale, shift)),
        tuple(_transform(np.array([0.60, 0.42]), center, scale, shift)),
    )
    # AP magnifies the heart (it lies far from the detector); cardiothoracic ratio ~0.45-0.6.
    heart_rx = rng.uniform(0.135, 0.16) * (1.18 if portable else 1.0)
    heart_cx = 0.545 + rng.normal(0, 0.01)
    heart_cy = 0.62 * height + 0.45 * (1 - height) + shift[1] + rng.normal(0, 0.01)
    heart = (heart_cx + shift[0], heart_cy, heart_rx, rng.uniform(0.11, 0.13) * height)
    ribs = 0.16 + np.cumsum(rng.uniform(0.95, 1.05, 10) * np.linspace(0.048, 0.064, 10))
    return ChestAnatomy(
        view=view,
        sex=sex,
        lungs=lungs,
        hila=hila,
        heart=heart,
        mediastinum=_transform(_MEDIASTINUM, center, scale, shift),
        body=_transform(_BODY, center, np.array([width, 1.0]), shift * [1, 0]),
        rib_levels=_transform(np.column_stack((np.zeros(10), ribs)), center, scale, shift)[:, 1],
        clavicle_y=(0.115 if portable else 0.165) + shift[1] + rng.normal(0, 0.01),
        spine_x=0.5 + shift[0],
    )


def _pixels(points, size: int) -> list[tuple[float, float]]:
    return [(float(x) * size, float(y) * size) for x, y in points]


def _polygon_mask(points: np.ndarray, size: int) -> np.ndarray:
    """A boolean ``(size, size)`` raster of a closed polygon given in fractions."""
    canvas = Image.new("L", (size, size))
    ImageDraw.Draw(canvas).polygon(_pixels(points, size), fill=1)
    return np.asarray(canvas, dtype=bool)


def lung_masks(anatomy: ChestAnatomy, size: int = IMAGE_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """The two aerated lung fields (boolean ``(size, size)``), after heart and mediastinum."""
    cx, cy, rx, ry = anatomy.heart
    rows, cols = np.ogrid[:size, :size]
    heart = ((cols / size - cx) / rx) ** 2 + ((rows / size - cy) / ry) ** 2 <= 1
    cut = heart | _polygon_mask(anatomy.mediastinum, size)
    return tuple(_polygon_mask(lung, size) & ~cut for lung in anatomy.lungs)


def draw_pneumothorax_specs(
    rng: np.random.Generator, view: str, count: int, overlapping: bool
) -> list[PneumothoraxSpec]:
    """``count`` pneumothorax masks; with ``overlapping`` the second lies over the first.

    Larger ones (stronger retraction, deeper extent) are drawn on AP films, as in the real
    data where the largest masks are on supine portable films. Three masks or more (the long
    tail of the real CSV) are pieces of the air over both lungs, half (rounded up) on one.
    """
    strength = 1.6 if view == "AP" else 1.0
    first_lung = int(rng.integers(2))
    if count >= 3:
        specs = []
        for lung, bands in ((first_lung, (count + 1) // 2), (1 - first_lung, count // 2)):
            shrink = rng.gamma(2.0, 0.035) * strength + BAND_SHRINK * bands
            retraction = 1 - float(np.clip(shrink, *SHRINK_RANGE))
            extent = float(rng.uniform(0.5, 0.8))
            specs += [PneumothoraxSpec(lung, retraction, extent, band, bands)
                      for band in range(bands)]  # fmt: skip
        return specs
    specs = []
    for index in range(count):
        same_lung = index == 0 or (index == 1 and overlapping)
        lung = first_lung if same_lung else 1 - specs[-1].lung
        retraction = 1 - float(np.clip(rng.gamma(2.0, 0.035) * strength, *SHRINK_RANGE))
        specs.append(PneumothoraxSpec(lung, retraction, float(rng.uniform(0.25, 0.75))))
    return specs


def pneumothorax_mask(
    anatomy: ChestAnatomy, spec: PneumothoraxSpec, size: int = IMAGE_SIZE
) -> np.ndarray:
    """The boolean ``(size, size)`` mask of one pneumothorax (apical and lateral crescent)."""
    outline = anatomy.lungs[spec.lung]
    hilum = np.array(anatomy.hila[spec.lung])
    # The lung collapses towards the hilum, a little downwards too (it hangs from it).
    collapsed = (outline - hilum) * spec.retraction + hilum + [0, 0.01 * (1 - spec.retraction)]
    top, bottom = outline[:, 1].min(), outline[:, 1].max()
    cut_row = int((top + spec.extent * (bottom - top)) * size)
    mask = _polygon_mask(outline, size) & ~_polygon_mask(collapsed, size)
    mask[cut_row:] = False
    # Only the apical and lateral pleura: nothing medial to the hilum.
    hilum_column = int(hilum[0] * size)
    if spec.lung == 0:
        mask[:, hilum_column:] = False
    else:
        mask[:, :hilum_column] = False
    lung_field = lung_masks(anatomy, size)[spec.lung]
    return _band(mask & lung_field, spec.band, spec.bands)


def _band(mask: np.ndarray, band: int, bands: int) -> np.ndarray:
    """Piece ``band`` of ``bands`` of ``mask``, cut by rows into pieces of equal area, with
    :data:`BAND_GAP_ROWS` rows left out above every piece but the first."""
    if bands == 1:
        return mask
    area_above = np.cumsum(mask.sum(axis=1))
    cuts = np.searchsorted(area_above, area_above[-1] * np.arange(bands + 1) / bands)
    cuts[0], cuts[-1] = 0, mask.shape[0]
    piece = np.zeros_like(mask)
    first = cuts[band] + (BAND_GAP_ROWS if band else 0)
    piece[first : cuts[band + 1]] = mask[first : cuts[band + 1]]
    return piece


def _blurred(canvas: Image.Image, radius: float) -> np.ndarray:
    return np.asarray(canvas.filter(ImageFilter.GaussianBlur(radius)), dtype=np.float32) / 255


def _draw_vessel_tree(draw, start, *, angle, length, width, depth, rng) -> None:
    """Branching pulmonary vessels from a hilum, drawn as tapering lines (pixels)."""
    end = (start[0] + np.cos(angle) * length, start[1] + np.sin(angle) * length)
    draw.line([start, end], fill=255, width=max(1, round(width)))
    if depth == 0:
        return
    for turn in (-1, 1):
        _draw_vessel_tree(
            draw,
            end,
            angle=angle + turn * rng.uniform(0.2, 0.55),
            length=length * rng.uniform(0.55, 0.85),
            width=width * 0.7,
            depth=depth - 1,
            rng=rng,
        )


def _rib_path(spine_x, level, side, lateral, *, posterior: bool) -> np.ndarray:
    """Points of one rib as fractions: posterior ribs arc out and down from the spine,
    anterior ribs run from the lateral wall down and in towards the sternum."""
    t = np.linspace(0, 1, 14)
    if posterior:
        x = spine_x + side * (0.025 + (lateral - 0.025) * np.sin(t * np.pi / 2))
        y = level - 0.03 * np.sin(np.pi * t) + 0.09 * t**2.5
    else:
        x = spine_x + side * (lateral - (lateral - 0.12) * t)
        y = level + 0.07 + 0.13 * t - 0.02 * t**2
    return np.column_stack((x, y))


def _canvas(px: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    canvas = Image.new("L", (px, px))
    return canvas, ImageDraw.Draw(canvas)


def _body_layer(anatomy: ChestAnatomy, px: int) -> np.ndarray:
    canvas, draw = _canvas(px)
    draw.polygon(_pixels(anatomy.body, px), fill=255)
    return _blurred(canvas, 6)


def _spine_layer(anatomy: ChestAnatomy, rng: np.random.Generator, px: int) -> np.ndarray:
    canvas, draw = _canvas(px)
    sx = anatomy.spine_x * px
    draw.rectangle([sx - 0.045 * px, 0, sx + 0.045 * px, px], fill=170)
    for level in np.arange(0.03, 1.0, 0.052) + rng.uniform(0, 0.05):
        y = level * px
        draw.rectangle([sx - 0.04 * px, y, sx + 0.04 * px, y + 0.04 * px], fill=255)
    return _blurred(canvas, 3)


def _central_layer(anatomy: ChestAnatomy, px: int) -> np.ndarray:
    """Heart, mediastinum and the upper abdomen: the dense middle and bottom of the film."""
    canvas, draw = _canvas(px)
    cx, cy, rx, ry = anatomy.heart
    draw.ellipse([(cx - rx) * px, (cy - ry) * px, (cx + rx) * px, (cy + ry) * px], fill=255)
    draw.polygon(_pixels(anatomy.mediastinum, px), fill=255)
    # Below the diaphragm domes liver and spleen are as dense as the heart: no border there.
    base = float(np.mean([lung[:, 1].max() for lung in anatomy.lungs])) - 0.06
    draw.rectangle([0, base * px, px, px], fill=255)
    return _blurred(canvas, 8)


def _rib_layer(anatomy: ChestAnatomy, rng: np.random.Generator, px: int) -> np.ndarray:
    """Posterior ribs (bright) and the upper anterior ribs (faint), brighter at the cortex."""
    canvas, draw = _canvas(px)
    for index, level in enumerate(anatomy.rib_levels):
        lateral = 0.30 + 0.1 * min(index, 5) / 5
        for side in (-1, 1):
            for posterior in (True, False):
                if not posterior and index > 6:
                    continue
                path = _rib_path(anatomy.spine_x, level, side, lateral, posterior=posterior)
                shade = int(rng.integers(210, 256)) if posterior else 70
                width = 0.021 * px * rng.uniform(0.85, 1.15)
                draw.line(_pixels(path, px), fill=shade, width=round(width), joint="curve")
                draw.line(_pixels(path, px), fill=shade * 6 // 10, width=round(width * 0.5))
    return _blurred(canvas, 1.2)


def _shoulder_layer(anatomy: ChestAnatomy, px: int) -> np.ndarray:
    """Clavicles, humeral heads and scapulae."""
    canvas, draw = _canvas(px)
    cy = anatomy.clavicle_y
    slope = 0.01 if anatomy.view == "AP" else -0.055
    for side in (-1, 1):
        t = np.linspace(0, 1, 16)
        x = anatomy.spine_x + side * (0.04 + 0.36 * t)
        y = cy + slope * t + 0.015 * np.sin(np.pi * t * 2)
        draw.line(_pixels(np.column_stack((x, y)), px), fill=230, width=round(0.028 * px))
        head_x = anatomy.spine_x + side * 0.45
        head = [(head_x - 0.075) * px, (cy - 0.06) * px, (head_x + 0.075) * px, (cy + 0.09) * px]
        draw.ellipse(head, fill=150)
        # Scapulae: rotated out of the lungs on PA films, over the upper lungs on AP films.
        inner = 0.30 if anatomy.view == "AP" else 0.40
        scapula = [
            (anatomy.spine_x + side * inner, cy + 0.05),
            (anatomy.spine_x + side * 0.46, cy - 0.02),
            (anatomy.spine_x + side * 0.44, cy + 0.32),
        ]
        draw.polygon(_pixels(scapula, px), fill=70)
    return _blurred(canvas, 2)


def _vessel_layer(anatomy: ChestAnatomy, rng: np.random.Generator, px: int) -> np.ndarray:
    """Lung markings: vessel trees fanning out of both hila."""
    canvas, draw = _canvas(px)
    for lung, hilum in enumerate(anatomy.hila):
        outward = np.pi if lung == 0 else 0.0
        for spread in (-1.1, -0.45, 0.2, 0.8, 1.3):
            angle = outward + (spread if lung == 1 else -spread) + rng.normal(0, 0.15)
            start = (hilum[0] * px, hilum[1] * px)
            _draw_vessel_tree(
                draw, start, angle=angle, length=0.06 * px, width=0.009 * px, depth=6, rng=rng
            )
    return _blurred(canvas, 1.8)


def _breast_layer(anatomy: ChestAnatomy, px: int) -> np.ndarray:
    """Breast shadows over the lower lung fields of women (empty for men)."""
    canvas, draw = _canvas(px)
    if anatomy.sex == "F":
        for side in (-1, 1):
            bx = anatomy.spine_x + side * 0.25
            by = anatomy.lungs[0][:, 1].max() - 0.08
            box = [(bx - 0.2) * px, (by - 0.13) * px, (bx + 0.2) * px, (by + 0.17) * px]
            draw.ellipse(box, fill=255)
    return _blurred(canvas, 14)


def _structure_layers(anatomy: ChestAnatomy, rng: np.random.Generator, px: int) -> dict:
    """Rasters (float32 0-1, ``(px, px)``, blurred to their edge sharpness) of each structure."""
    return {
        "body": _body_layer(anatomy, px),
        "spine": _spine_layer(anatomy, rng, px),
        "mediastinum": _central_layer(anatomy, px),
        "ribs": _rib_layer(anatomy, rng, px),
        "bones": _shoulder_layer(anatomy, px),
        "vessels": _vessel_layer(anatomy, rng, px),
        "breasts": _breast_layer(anatomy, px),
    }


def _markers(image: Image.Image, anatomy: ChestAnatomy, rng: np.random.Generator) -> None:
    """Burned-in side marker, and on portable films a label and ECG electrodes with leads."""
    draw = ImageDraw.Draw(image)
    size = image.size[0]
    font = ImageFont.load_default(size=38)
    corner = (size * rng.uniform(0.82, 0.9), size * rng.uniform(0.04, 0.1))
    draw.text(corner, "L", fill=245, font=font)
    if anatomy.view != "AP":
        return
    label = str(rng.choice(["PORTABLE", "AP PORTABLE", "SUPINE", "AP"]))
    draw.text((size * 0.05, size * 0.05), label, fill=235, font=ImageFont.load_default(size=30))
    for _ in range(int(rng.integers(2, 5))):
        x, y = size * rng.uniform(0.2, 0.8), size * rng.uniform(0.2, 0.75)
        draw.ellipse([x - 14, y - 14, x + 14, y + 14], outline=250, width=5)
        bend = (x + size * rng.uniform(-0.2, 0.2), y + size * rng.uniform(0.1, 0.3))
        end = (x + size * rng.uniform(-0.3, 0.3), size * rng.uniform(0.8, 1.0))
        draw.line([(x, y), bend, end], fill=200, width=2, joint="curve")


def render_chest_radiograph(
    anatomy: ChestAnatomy, rng: np.random.Generator, pneumothorax: np.ndarray | None = None
) -> np.ndarray:
    """The 8-bit ``(1024, 1024)`` picture of ``anatomy``; ``pneumothorax`` (boolean, full size)
    darkens its region, removes its lung markings and draws the visceral pleural line."""
    size = WORK_SIZE
    layers = _structure_layers(anatomy, rng, size)
    left, right = lung_masks(anatomy, size)
    lungs_canvas = Image.fromarray(((left | right) * 255).astype(np.uint8))
    lungs = _blurred(lungs_canvas, 3.5)
    rows = np.linspace(0, 1, size, dtype=np.float32)[:, None]
    # Lower lung fields lie behind more soft tissue (and the diaphragm domes): less dark.
    lung_depth = 0.34 - 0.10 * np.clip((rows - 0.45) / 0.35, 0, 1)
    vessel_gain = 0.05 + 0.04 * np.clip(1 - np.abs(rows - 0.45) * 3, 0, 1)
    # Low-frequency mottling: overlapping tissue never projects evenly.
    mottle = np.asarray(
        Image.fromarray(rng.standard_normal((24, 24), dtype=np.float32)).resize(
            (size, size), Image.Resampling.BICUBIC
        ),
        dtype=np.float32,
    )
    density = (
        0.10
        + 0.50 * layers["body"]
        - lung_depth * lungs
        + 0.018 * mottle
        + 0.07 * layers["spine"] * (1 - 0.5 * lungs)
        + 0.10 * layers["mediastinum"]
        + 0.085 * layers["ribs"] * (0.4 + lungs)
        + 0.15 * layers["bones"]
        + 0.07 * layers["breasts"] * layers["body"]
    )
    markings = vessel_gain * layers["vessels"] * lungs
    density = _upsampled(density)
    markings = _upsampled(markings)
    if pneumothorax is not None and pneumothorax.any():
        _draw_pneumothorax(density, markings, pneumothorax, anatomy)
    density += markings
    portable = anatomy.view == "AP"
    contrast = rng.uniform(1.1, 1.25) * (0.9 if portable else 1.0)
    offset = rng.uniform(-0.06, 0.0) + (0.05 if portable else 0.0)
    noise_sigma = 0.022 if portable else 0.014
    noise = rng.standard_normal((IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32) * noise_sigma
    picture = np.clip((density * contrast + offset + noise) * 255, 0, 255).astype(np.uint8)
    image = Image.fromarray(picture)
    _markers(image, anatomy, rng)
    return np.asarray(image)


def _upsampled(layer: np.ndarray) -> np.ndarray:
    """A half-resolution float layer resized to the full image (bilinear)."""
    full = Image.fromarray(layer).resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BILINEAR)
    return np.asarray(full, dtype=np.float32).copy()


def _draw_pneumothorax(
    density: np.ndarray, markings: np.ndarray, mask: np.ndarray, anatomy: ChestAnatomy
) -> None:
    """Darken the pleural air, erase its lung markings and draw the visceral pleural line,
    in place (all arrays full size; the work is done on the mask's bounding box)."""
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    margin = 8
    box = (
        slice(max(rows[0] - margin, 0), rows[-1] + margin + 1),
        slice(max(cols[0] - margin, 0), cols[-1] + margin + 1),
    )
    air = mask[box]
    air_image = Image.fromarray(air.astype(np.uint8) * 255)
    soft = np.asarray(air_image.filter(ImageFilter.GaussianBlur(2)), dtype=np.float32) / 255
    density[box] -= 0.07 * soft
    markings[box] *= 1 - soft
    # The visceral pleural line: lung tissue bordering the air, a few pixels wide.
    grown = np.asarray(air_image.filter(ImageFilter.MaxFilter(5)), dtype=bool)
    lungs = np.logical_or(*lung_masks(anatomy))[box]
    density[box][grown & ~air & lungs] += 0.06
