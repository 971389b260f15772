"""The society's brand: its logo and its accent colour, read once from the settings.

Settings hold what the environment said (`ORG_LOGO`, `ORG_ACCENT`); this module turns
them into what pages and emails use: the logo's address, and a palette derived from
the accent so that text on it, and links in it, stay readable whatever colour a
society picks (WCAG AA: 4.5 to 1 for text).
"""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

WHITE = "#ffffff"
INK = "#1b1f24"
LOGO_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg", ".webp", ".gif")
# Email clients do not show SVG: an SVG logo's PNG twin (same name, .png) goes in emails.
EMAIL_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif")
MEDIA_PREFIX = "media/"
READABLE = 4.5


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _hex(rgb) -> str:
    return "#" + "".join(f"{round(max(0, min(255, c))):02x}" for c in rgb)


def luminance(colour: str) -> float:
    """Relative luminance as WCAG defines it."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def mix(colour: str, other: str, share: float) -> str:
    """`colour` with `share` (0 to 1) of `other` mixed in."""
    return _hex(a + (b - a) * share for a, b in zip(_rgb(colour), _rgb(other), strict=True))


def readable_on(background: str, colour: str) -> str:
    """`colour`, darkened just enough to be read as text on `background`."""
    share = 0.0
    while contrast(mix(colour, INK, share), background) < READABLE and share < 1:
        share += 0.05
    return mix(colour, INK, min(share, 1))


@dataclass(frozen=True)
class Palette:
    accent: str  # the header, main buttons
    on_accent: str  # text on the accent
    accent_hover: str  # a pressed or hovered main button
    ink: str  # links and accent-coloured text on white
    wash: str  # a faint tint for highlighted rows and panels

    def css(self) -> str:
        return (
            ":root {"
            f" --brand: {self.accent}; --on-brand: {self.on_accent}; --brand-dark: {self.accent_hover};"
            f" --brand-ink: {self.ink}; --brand-wash: {self.wash};"
            " }\n"
        )


def palette(accent: str) -> Palette:
    on_accent = WHITE if contrast(accent, WHITE) >= contrast(accent, INK) else INK
    hover = mix(accent, INK, 0.25) if on_accent == WHITE else mix(accent, WHITE, 0.3)
    return Palette(
        accent=accent,
        on_accent=on_accent,
        accent_hover=hover,
        ink=readable_on(WHITE, accent),
        wash=mix(accent, WHITE, 0.92),
    )


@dataclass(frozen=True)
class Logo:
    """A file under static/ (`img/logo.svg`) or, written `media/…`, an uploaded file under MEDIA_ROOT."""

    where: str  # "static" or "media"
    path: str

    def url(self) -> str:
        if self.where == "media":
            return settings.MEDIA_URL + self.path
        from django.templatetags.static import static

        return static(self.path)

    def absolute_url(self) -> str:
        url = self.url()
        return url if url.startswith(("http://", "https://")) else settings.SITE_URL + url

    @property
    def mimetype(self) -> str:
        suffix = Path(self.path).suffix.lower()
        return {".svg": "image/svg+xml", ".jpg": "image/jpeg"}.get(suffix, f"image/{suffix.lstrip('.')}")


def logo_from_setting(name: str, raw: str, *, static_dirs, media_root: Path) -> Logo:
    """The logo `raw` names, refused with a message unless it is an image file that exists."""
    where, path = ("media", raw.removeprefix(MEDIA_PREFIX)) if raw.startswith(MEDIA_PREFIX) else ("static", raw)
    if Path(path).is_absolute() or ".." in Path(path).parts or not path:
        raise ImproperlyConfigured(
            f"{name}={raw!r} must be a path under static/ such as img/logo.svg, "
            "or under the uploads folder written media/brand/logo.png."
        )
    if Path(path).suffix.lower() not in LOGO_SUFFIXES:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an image; use an .svg, .png, .jpg, .webp or .gif file.")
    folders = [media_root] if where == "media" else list(static_dirs)
    if not any((Path(folder) / path).is_file() for folder in folders):
        looked = ", ".join(str(folder) for folder in folders)
        raise ImproperlyConfigured(f"{name}={raw!r}: there is no such file in {looked}.")
    return Logo(where, path)


def email_logo_for(logo: Logo, *, static_dirs, media_root: Path) -> Logo | None:
    """The logo as emails carry it: itself, or an SVG's PNG twin; None when there is no such file."""
    if Path(logo.path).suffix.lower() in EMAIL_SUFFIXES:
        return logo
    twin = str(Path(logo.path).with_suffix(".png"))
    folders = [media_root] if logo.where == "media" else list(static_dirs)
    if any((Path(folder) / twin).is_file() for folder in folders):
        return Logo(logo.where, twin)
    return None


def colours() -> Palette:
    return palette(settings.ORG_ACCENT)


def email_brand() -> dict:
    """What the email layouts need: the logo's absolute address (or none) and the colours."""
    logo = settings.ORG_EMAIL_LOGO
    return {"logo_url": logo.absolute_url() if logo else "", "colours": colours()}
