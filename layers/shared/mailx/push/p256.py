"""The P-256 public key of a private scalar, in plain Python (SEC 1 uncompressed form).

The Session advertises the VAPID `applicationServerKey` (RFC 9749), so a cold JMAP function needs the
public key on its first session request. Importing `cryptography`'s EC module costs ~20 ms of cold
start; one scalar multiplication here costs a few milliseconds and imports nothing. Signing and
encryption (the fan-out's work) use `cryptography`; a test checks both agree.
"""

from __future__ import annotations

# SEC 2 / FIPS 186-4 curve P-256: y^2 = x^3 - 3x + b over GF(P), base point G of prime order N.
P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
GX = 0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296
GY = 0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5

_Jacobian = tuple[int, int, int]  # (X, Y, Z) stands for the affine point (X/Z^2, Y/Z^3); Z=0 is infinity


def _double(point: _Jacobian) -> _Jacobian:
    x, y, z = point
    if z == 0 or y == 0:
        return (0, 1, 0)
    yy = y * y % P
    s = 4 * x * yy % P
    zz = z * z % P
    m = 3 * (x - zz) * (x + zz) % P  # a = -3
    x3 = (m * m - 2 * s) % P
    y3 = (m * (s - x3) - 8 * yy * yy) % P
    z3 = 2 * y * z % P
    return (x3, y3, z3)


def _add(p1: _Jacobian, p2: _Jacobian) -> _Jacobian:
    if p1[2] == 0:
        return p2
    if p2[2] == 0:
        return p1
    x1, y1, z1 = p1
    x2, y2, z2 = p2
    z1z1, z2z2 = z1 * z1 % P, z2 * z2 % P
    u1, u2 = x1 * z2z2 % P, x2 * z1z1 % P
    s1, s2 = y1 * z2 * z2z2 % P, y2 * z1 * z1z1 % P
    if u1 == u2:
        return _double(p1) if s1 == s2 else (0, 1, 0)
    h, r = (u2 - u1) % P, (s2 - s1) % P
    hh = h * h % P
    hhh = h * hh % P
    v = u1 * hh % P
    x3 = (r * r - hhh - 2 * v) % P
    y3 = (r * (v - x3) - s1 * hhh) % P
    z3 = h * z1 * z2 % P
    return (x3, y3, z3)


def public_key(scalar: int) -> bytes:
    """0x04 || X || Y (65 bytes) for the private SCALAR (1 <= scalar < N)."""
    if not 0 < scalar < N:
        raise ValueError("a P-256 private key is an integer in [1, N-1]")
    result: _Jacobian = (0, 1, 0)
    addend: _Jacobian = (GX, GY, 1)
    k = scalar
    while k:
        if k & 1:
            result = _add(result, addend)
        addend = _double(addend)
        k >>= 1
    x, y, z = result
    z_inv = pow(z, -1, P)
    zz_inv = z_inv * z_inv % P
    ax, ay = x * zz_inv % P, y * zz_inv * z_inv % P
    return b"\x04" + ax.to_bytes(32, "big") + ay.to_bytes(32, "big")


def on_curve(point: bytes) -> bool:
    """Whether POINT is an uncompressed P-256 point (what `keys.p256dh` must be, RFC 8291 §3.1)."""
    if len(point) != 65 or point[0] != 4:
        return False
    x, y = int.from_bytes(point[1:33], "big"), int.from_bytes(point[33:], "big")
    if x >= P or y >= P:
        return False
    return (y * y - (x * x * x - 3 * x + B)) % P == 0
