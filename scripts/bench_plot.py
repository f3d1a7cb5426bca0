#!/usr/bin/env python3
"""Render KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM benchmark results as a PNG plot.

Usage:
    python3 scripts/bench_plot.py build/bench/results.json build/bench/move-latency.png

The input JSON looks like:
    {"memory": [{"gib": 1, "populated_gib": 1.0, "move_us": 812.5}, ...],
     "vcpus":  [{"n": 1, "move_us": 800.0}, ...],
     "copy_4gib_us": 5200000.0}

"populated_gib" defaults to "gib" when absent; "copy_4gib_us" may be missing
or null, and a missing list gives an empty "no data" panel.

The output is a ~1000x450 8-bit RGB PNG with two panels: move latency against
guest_memfd size (left) and against the number of vCPUs (right), both with a
log2 x axis and a linear y axis starting at 0.  Only the Python standard
library is used: the PNG is encoded with zlib + struct and text is drawn with
a tiny built-in 5x7 bitmap font.
"""

import json
import math
import os
import struct
import sys
import zlib

WIDTH, HEIGHT = 1000, 450

WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
GRID = (225, 225, 225)
GREY = (110, 110, 110)
BLUE = (31, 119, 180)
# Colours for the "other populated amount" markers, in order of use.
OTHER_COLOURS = ((214, 39, 40), (44, 160, 44), (255, 127, 14), (148, 103, 189))

TITLE = "KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM latency"
Y_LABEL = "move latency (us)"

# Layout of one panel, relative to the panel's left edge (each panel is
# WIDTH / 2 pixels wide).
PLOT_LEFT, PLOT_RIGHT = 100, 470
PLOT_TOP, PLOT_BOTTOM = 72, 370
X_PAD = 18  # keep extreme points away from the axes
MARKER_RADIUS = 4

# 5x7 bitmap font: each glyph is 7 rows, two hex digits per row, where bit 4
# (0x10) is the leftmost pixel and bit 0 (0x01) the rightmost.
GLYPH_W, GLYPH_H = 5, 7
FONT = {
    " ": "00000000000000",
    "0": "0e11131519110e", "1": "040c040404040e", "2": "0e11010204081f",
    "3": "1f02040201110e", "4": "02060a121f0202", "5": "1f101e0101110e",
    "6": "0608101e11110e", "7": "1f010204080808", "8": "0e11110e11110e",
    "9": "0e11110f01020c",
    "A": "0e11111f111111", "B": "1e11111e11111e", "C": "0e11101010110e",
    "D": "1c12111111121c", "E": "1f10101e10101f", "F": "1f10101e101010",
    "G": "0e11101711110f", "H": "1111111f111111", "I": "0e04040404040e",
    "J": "0702020202120c", "K": "11121418141211", "L": "1010101010101f",
    "M": "111b1515111111", "N": "11111915131111", "O": "0e11111111110e",
    "P": "1e11111e101010", "Q": "0e11111115120d", "R": "1e11111e141211",
    "S": "0f10100e01011e", "T": "1f040404040404", "U": "1111111111110e",
    "V": "11111111110a04", "W": "1111111515150a",
    "X": "11110a040a1111", "Y": "1111110a040404", "Z": "1f01020408101f",
    "a": "00000e010f110f", "b": "1010161911111e",
    "c": "00000e1010110e", "d": "01010d1311110f", "e": "00000e111f100e",
    "f": "0609081c080808", "g": "000f11110f010e", "h": "10101619111111",
    "i": "04000c0404040e", "j": "0200060202120c",
    "k": "10101214181412", "l": "0c04040404040e", "m": "00001a15151111",
    "n": "00001619111111", "o": "00000e1111110e", "p": "00001e111e1010",
    "q": "00000d130f0101", "r": "00001619101010", "s": "00000e100e011e",
    "t": "08081c08080906", "u": "0000111111130d", "v": "00001111110a04",
    "w": "0000111115150a", "x": "0000110a040a11",
    "y": "000011110f010e", "z": "00001f0204081f",
    ".": "00000000000c0c", ",": "000000000c0408", ":": "000c0c000c0c00",
    "(": "02040808080402", ")": "08040202020408", "-": "0000001f000000",
    "_": "0000000000001f", "/": "00010204081000", "%": "18190204081303",
}


class Canvas:
    """A width x height RGB image stored row-major in a bytearray."""

    def __init__(self, width, height, background=WHITE):
        self.width = width
        self.height = height
        self.pixels = bytearray(bytes(background) * (width * height))

    def set(self, x, y, colour):
        """Set one pixel; coordinates outside the image are ignored."""
        if 0 <= x < self.width and 0 <= y < self.height:
            i = (y * self.width + x) * 3
            self.pixels[i:i + 3] = bytes(colour)

    def fill_rect(self, x0, y0, x1, y1, colour):
        """Fill the rectangle with corners (x0, y0) and (x1, y1), inclusive."""
        for y in range(min(y0, y1), max(y0, y1) + 1):
            for x in range(min(x0, x1), max(x0, x1) + 1):
                self.set(x, y, colour)


# --- PNG encoding -----------------------------------------------------------

def png_chunk(kind, data):
    """Return one PNG chunk: length, type, data and CRC of type + data."""
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def encode_png(canvas):
    """Encode the canvas as an 8-bit RGB PNG, filter type 0 on every row."""
    stride = canvas.width * 3
    raw = bytearray()
    for y in range(canvas.height):
        raw.append(0)
        raw += canvas.pixels[y * stride:(y + 1) * stride]
    ihdr = struct.pack(">IIBBBBB", canvas.width, canvas.height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n"
            + png_chunk(b"IHDR", ihdr)
            + png_chunk(b"IDAT", zlib.compress(bytes(raw), 9))
            + png_chunk(b"IEND", b""))


# --- drawing primitives -----------------------------------------------------

def draw_line(canvas, x0, y0, x1, y1, colour, thickness=1):
    """Draw a line with Bresenham's algorithm, thickness x thickness pen."""
    dx, dy = abs(x1 - x0), -abs(y1 - y0)
    sx = 1 if x0 < x1 else -1
    sy = 1 if y0 < y1 else -1
    err = dx + dy
    while True:
        canvas.fill_rect(x0, y0, x0 + thickness - 1, y0 + thickness - 1, colour)
        if x0 == x1 and y0 == y1:
            return
        e2 = 2 * err
        if e2 >= dy:
            err += dy
            x0 += sx
        if e2 <= dx:
            err += dx
            y0 += sy


def draw_circle(canvas, cx, cy, radius, colour):
    """Draw a filled circle."""
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            if dx * dx + dy * dy <= radius * radius + radius:
                canvas.set(cx + dx, cy + dy, colour)


def draw_square(canvas, cx, cy, radius, colour):
    """Draw a filled square of side 2 * radius + 1."""
    canvas.fill_rect(cx - radius, cy - radius, cx + radius, cy + radius, colour)


def draw_marker(canvas, shape, x, y, colour):
    if shape == "square":
        draw_square(canvas, x, y, MARKER_RADIUS, colour)
    else:
        draw_circle(canvas, x, y, MARKER_RADIUS, colour)


def glyph_pixels(char):
    """Yield (column, row) of every lit pixel of a glyph (blank if unknown)."""
    rows = bytes.fromhex(FONT.get(char, FONT[" "]))
    for row, bits in enumerate(rows):
        for col in range(GLYPH_W):
            if bits & (0x10 >> col):
                yield col, row


def text_width(text, scale=1):
    """Width in pixels of text drawn at the given scale."""
    return max(0, len(text) * (GLYPH_W + 1) - 1) * scale


def draw_text(canvas, x, y, text, colour, scale=1):
    """Draw text with its top-left corner at (x, y)."""
    for i, char in enumerate(text):
        left = x + i * (GLYPH_W + 1) * scale
        for col, row in glyph_pixels(char):
            px, py = left + col * scale, y + row * scale
            canvas.fill_rect(px, py, px + scale - 1, py + scale - 1, colour)


def draw_text_up(canvas, x, y, text, colour, scale=1):
    """Draw text rotated 90 degrees anticlockwise, reading bottom to top.

    (x, y) is the bottom-left corner of the rotated text block.
    """
    for i, char in enumerate(text):
        start = i * (GLYPH_W + 1) * scale
        for col, row in glyph_pixels(char):
            px, py = x + row * scale, y - start - (col + 1) * scale + 1
            canvas.fill_rect(px, py, px + scale - 1, py + scale - 1, colour)


def fitting_scale(texts, max_width):
    """Scale 2 if all texts fit in max_width pixels at scale 2, else 1."""
    return 2 if all(text_width(t, 2) <= max_width for t in texts) else 1


# --- axes -------------------------------------------------------------------

def format_number(value):
    """Format a number compactly: 1000, 2.5, 0.25 (no exponent notation)."""
    if value == int(value):
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def nice_axis(max_value):
    """Return (top, step) for a y axis from 0 covering max_value.

    top is 1, 2, 2.5 or 5 times a power of ten; step splits it into 4 or 5
    intervals.
    """
    if max_value <= 0:
        return 1.0, 0.25
    power = 10.0 ** math.floor(math.log10(max_value))
    for mantissa, intervals in ((1, 4), (2, 4), (2.5, 5), (5, 5), (10, 4)):
        top = mantissa * power
        if top >= max_value:
            return top, top / intervals
    raise AssertionError("unreachable")


def log2_range(values):
    """Exponent range (lo, hi) of powers of two covering the values."""
    lo = math.floor(math.log2(min(values)) + 1e-9)
    hi = math.ceil(math.log2(max(values)) - 1e-9)
    return lo, hi


def x_mapper(left, right, lo, hi, values):
    """Return a function mapping a data x value to a pixel column (log2)."""
    if min(values) == max(values):
        centre = (left + right) // 2
        return lambda x: centre
    if lo == hi:
        hi = lo + 1
    span = right - left - 2 * X_PAD
    return lambda x: round(left + X_PAD + (math.log2(x) - lo) / (hi - lo) * span)


def y_mapper(top, bottom, y_top):
    """Return a function mapping a data y value to a pixel row (linear)."""
    return lambda y: round(bottom - y / y_top * (bottom - top))


def draw_y_axis(canvas, rect, y_top, step, map_y):
    """Grid lines, tick labels and the rotated y axis label."""
    left, top, right, bottom = rect
    ticks = [i * step for i in range(round(y_top / step) + 1)]
    labels = [format_number(t) for t in ticks]
    scale = fitting_scale(labels, PLOT_LEFT - 38)
    for value, label in zip(ticks, labels):
        y = map_y(value)
        draw_line(canvas, left, y, right, y, GRID)
        draw_line(canvas, left - 5, y, left, y, BLACK)
        draw_text(canvas, left - 8 - text_width(label, scale),
                  y - GLYPH_H * scale // 2, label, BLACK, scale)
    label_y = (top + bottom + text_width(Y_LABEL, 2)) // 2
    draw_text_up(canvas, left - PLOT_LEFT + 10, label_y, Y_LABEL, BLACK, 2)


def draw_x_axis(canvas, rect, values, label, map_x):
    """Power-of-two ticks with labels and the x axis label."""
    left, top, right, bottom = rect
    if min(values) == max(values):
        ticks = [min(values)]
    else:
        lo, hi = log2_range(values)
        ticks = [2.0 ** e for e in range(lo, hi + 1)]
    labels = [format_number(t) for t in ticks]
    spacing = (right - left - 2 * X_PAD) / max(1, len(ticks) - 1)
    scale = fitting_scale(labels, spacing - 10)
    widest = max(text_width(text, scale) for text in labels)
    stride = 1
    while spacing * stride < widest + 10:
        stride += 1
    for value, text in list(zip(ticks, labels))[::stride]:
        x = map_x(value)
        draw_line(canvas, x, top, x, bottom, GRID)
        draw_line(canvas, x, bottom, x, bottom + 5, BLACK)
        draw_text(canvas, x - text_width(text, scale) // 2, bottom + 9,
                  text, BLACK, scale)
    draw_text(canvas, (left + right - text_width(label, 2)) // 2, bottom + 38,
              label, BLACK, 2)


def draw_frame(canvas, rect):
    """Black left and bottom axis lines."""
    left, top, right, bottom = rect
    draw_line(canvas, left, top, left, bottom, BLACK)
    draw_line(canvas, left, bottom, right, bottom, BLACK)


def draw_legend(canvas, x, y, max_x, entries):
    """Draw (colour, shape, text) entries left to right, wrapping rows."""
    cursor = x
    for colour, shape, text in entries:
        width = 2 * MARKER_RADIUS + 6 + text_width(text, 1) + 16
        if cursor > x and cursor + width > max_x:
            cursor, y = x, y + 12
        draw_marker(canvas, shape, cursor + MARKER_RADIUS, y + 3, colour)
        draw_text(canvas, cursor + 2 * MARKER_RADIUS + 6, y, text, BLACK, 1)
        cursor += width


# --- panels -----------------------------------------------------------------

def draw_series(canvas, points, colour, shape, map_x, map_y, connect):
    """Plot (x, y) points as markers, optionally joined by a 2 px polyline."""
    pixels = [(map_x(x), map_y(y)) for x, y in sorted(points)]
    if connect:
        for (x0, y0), (x1, y1) in zip(pixels, pixels[1:]):
            draw_line(canvas, x0, y0, x1, y1, colour, thickness=2)
    for x, y in pixels:
        draw_marker(canvas, shape, x, y, colour)


def draw_panel(canvas, offset, x_label, series, legend):
    """Draw one panel; series is a list of (points, colour, shape, connect)."""
    rect = (offset + PLOT_LEFT, PLOT_TOP, offset + PLOT_RIGHT, PLOT_BOTTOM)
    all_points = [p for points, _, _, _ in series for p in points]
    if not all_points:
        draw_frame(canvas, rect)
        message = "no data"
        draw_text(canvas, (rect[0] + rect[2] - text_width(message, 2)) // 2,
                  (PLOT_TOP + PLOT_BOTTOM) // 2, message, GREY, 2)
        return
    xs = [x for x, _ in all_points]
    y_top, step = nice_axis(max(y for _, y in all_points))
    map_x = x_mapper(rect[0], rect[2], *log2_range(xs), xs)
    map_y = y_mapper(PLOT_TOP, PLOT_BOTTOM, y_top)
    draw_y_axis(canvas, rect, y_top, step, map_y)
    draw_x_axis(canvas, rect, xs, x_label, map_x)
    draw_frame(canvas, rect)
    for points, colour, shape, connect in series:
        draw_series(canvas, points, colour, shape, map_x, map_y, connect)
    draw_legend(canvas, rect[0], PLOT_TOP - 30, rect[2], legend)


def memory_series(memory):
    """Split memory points by populated amount into series and legend.

    The baseline (populated == 1 GiB, or the smallest amount if none is 1)
    is drawn as a blue polyline; every other amount gets its own marker set.
    """
    if not memory:
        return [], []
    amounts = sorted({p["populated_gib"] for p in memory})
    base = 1.0 if 1.0 in amounts else amounts[0]
    others = [a for a in amounts if a != base]
    series, legend = [], []
    groups = [(base, BLUE, "circle", True)] + [
        (a, OTHER_COLOURS[i % len(OTHER_COLOURS)], "square", False)
        for i, a in enumerate(others)]
    for amount, colour, shape, connect in groups:
        points = [(p["gib"], p["move_us"]) for p in memory
                  if p["populated_gib"] == amount]
        series.append((points, colour, shape, connect))
        legend.append((colour, shape, f"{format_number(amount)} GiB populated"))
    return series, legend


def title_text(copy_us):
    if copy_us is None:
        return TITLE
    return f"{TITLE} (copying 4 GiB once: {copy_us / 1000:.1f} ms)"


def render(results):
    """Render validated results into a new Canvas."""
    canvas = Canvas(WIDTH, HEIGHT)
    title = title_text(results["copy_4gib_us"])
    scale = fitting_scale([title], WIDTH - 20)
    draw_text(canvas, (WIDTH - text_width(title, scale)) // 2, 12, title,
              BLACK, scale)
    series, legend = memory_series(results["memory"])
    draw_panel(canvas, 0, "guest_memfd size (GiB)", series, legend)
    vcpu_points = [(p["n"], p["move_us"]) for p in results["vcpus"]]
    draw_panel(canvas, WIDTH // 2, "vCPUs",
               [(vcpu_points, BLUE, "circle", True)], [])
    return canvas


# --- input ------------------------------------------------------------------

def number(value, what, positive=False):
    """Validate a finite, non-negative (or positive) JSON number."""
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or not math.isfinite(value)):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    if value < 0 or (positive and value == 0):
        kind = "positive" if positive else "non-negative"
        raise ValueError(f"{what} must be {kind}, got {value!r}")
    return float(value)


def point_list(data, key, x_key):
    """Validate the list data[key] of {x_key, move_us} objects."""
    points = data.get(key, [])
    if not isinstance(points, list):
        raise ValueError(f'"{key}" must be a list')
    checked = []
    for i, point in enumerate(points):
        where = f"{key}[{i}]"
        if not isinstance(point, dict):
            raise ValueError(f"{where} must be an object")
        for field in (x_key, "move_us"):
            if field not in point:
                raise ValueError(f'{where} has no "{field}"')
        item = {x_key: number(point[x_key], f"{where}.{x_key}", positive=True),
                "move_us": number(point["move_us"], f"{where}.move_us")}
        if key == "memory":
            populated = point.get("populated_gib", point["gib"])
            item["populated_gib"] = number(populated, f"{where}.populated_gib")
        checked.append(item)
    return checked


def load_results(path):
    """Read and validate the results JSON; raise ValueError/OSError on error."""
    with open(path, encoding="utf-8") as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f"invalid JSON: {e}") from None
    if not isinstance(data, dict):
        raise ValueError("top level must be a JSON object")
    copy_us = data.get("copy_4gib_us")
    if copy_us is not None:
        copy_us = number(copy_us, "copy_4gib_us")
    return {"memory": point_list(data, "memory", "gib"),
            "vcpus": point_list(data, "vcpus", "n"),
            "copy_4gib_us": copy_us}


def main(argv):
    if len(argv) != 3:
        print(f"usage: {argv[0]} RESULTS.json OUTPUT.png", file=sys.stderr)
        return 2
    in_path, out_path = argv[1], argv[2]
    try:
        results = load_results(in_path)
    except (OSError, ValueError) as e:
        print(f"bench_plot: cannot use {in_path}: {e}", file=sys.stderr)
        return 1
    png = encode_png(render(results))
    try:
        os.makedirs(os.path.dirname(out_path) or ".", exist_ok=True)
        with open(out_path, "wb") as f:
            f.write(png)
    except OSError as e:
        print(f"bench_plot: cannot write {out_path}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
