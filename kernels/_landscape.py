"""Jitted kernels for the loss over a plane W0 + a*U + b*V of weight space (float64 throughout).

The algebra that makes a landscape cheap: scores are affine in (a, b),
    S(a, b) = S0 + a*SU + b*SV      with S0 = X @ W0, SU = X @ U, SV = X @ V  (N, C), formed once,
so every margin is a line in `a` along a grid row (fixed b). Each kernel runs one grid row (four, for
the softmax sums) per task (rows are independent: no shared accumulator), and its innermost loop runs
over the row's grid points, which LLVM vectorizes without any reassociation.

Shapes: grids are (len(betas), len(alphas)); alphas/betas float64; out arrays are added into.
"""

import math

import numpy as np
from numba import types
from numba.extending import intrinsic

from ._jit import jit, njit_parallel, prange

# Fast-path limit for the factored exponentials: with |exponent| <= 300 every factor and product stays
# a normal float64 (e^600 < 1.8e308), so exp(P + a*Q) = exp(P) * exp(a*Q) loses nothing.
_EXP_LIMIT = 300.0
_MANTISSA = 0x000FFFFFFFFFFFFF
_EXP_ONE = 0x3FF0000000000000  # exponent bits of 1.0


@intrinsic
def _f2i(typingctx, x):
    """Reinterpret a float64's bits as int64 (vectorizable, unlike math.frexp)."""
    sig = types.int64(types.float64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.int64))

    return sig, codegen


@intrinsic
def _i2f(typingctx, x):
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))

    return sig, codegen


@jit(inline="always")
def _bounds(t):
    """(min, max) of a 1-D array by a loop (numpy's min and max cost a second each to compile)."""
    lo = hi = t[0]
    for v in t:
        lo = min(lo, v)
        hi = max(hi, v)
    return lo, hi


@jit(inline="always")
def _guess(alphas, x, amin, amax):
    """Index near x in ascending alphas, exact for evenly spaced grids (the usual case)."""
    G = alphas.shape[0]
    if amax <= amin:
        return 0
    g = (x - amin) / (amax - amin) * (G - 1)
    return int(min(max(g, 0.0), G - 1.0))


@jit(inline="always")
def _first_above(alphas, x, amin, amax):
    """np.searchsorted(alphas, x, side="right") in O(1) for evenly spaced grids."""
    G = alphas.shape[0]
    j = _guess(alphas, x, amin, amax)
    while j < G and alphas[j] <= x:
        j += 1
    while j > 0 and alphas[j - 1] > x:
        j -= 1
    return j


@jit(inline="always")
def _first_at_or_above(alphas, x, amin, amax):
    """np.searchsorted(alphas, x, side="left") in O(1) for evenly spaced grids."""
    G = alphas.shape[0]
    j = _guess(alphas, x, amin, amax)
    while j < G and alphas[j] < x:
        j += 1
    while j > 0 and alphas[j - 1] >= x:
        j -= 1
    return j


@njit_parallel
def grid_terms(T0, TU, TV, alphas, betas, squared, out):
    """out[i, j] += sum_k f(T0[k] + alphas[j]*TU[k] + betas[i]*TV[k]), f = max(0, .) or max(0, .)^2;
    alphas ascending.

    Along a grid row a term is a line in alpha, so it is positive on a contiguous run of grid points
    that ends at the last point (slope > 0) or starts at the first (slope < 0). Each term therefore
    adds its polynomial coefficients (line, or its square) once, at the run's inner end, and running
    sums (forward for rising terms, backward for falling ones: additions only, no cancellation) give
    every grid point the sum over its active terms. O(K log G + G) per row instead of O(K G).
    """
    Gb = betas.shape[0]
    Ga = alphas.shape[0]
    K = T0.shape[0]
    amin = alphas[0]
    amax = alphas[Ga - 1]
    for i in prange(Gb):
        b = betas[i]
        fwd = np.zeros((3, Ga + 1))  # rising terms, added at their first active point
        bwd = np.zeros((3, Ga + 1))  # falling terms, added at their last active point
        for k in range(K):
            base = T0[k] + b * TV[k]
            u = TU[k]
            if base + amin * u <= 0.0 and base + amax * u <= 0.0:
                continue  # zero on the whole row
            if squared:
                q0, q1, q2 = base * base, 2.0 * base * u, u * u
            else:
                q0, q1, q2 = base, u, 0.0
            if u >= 0.0:
                # active where base + a u > 0, i.e. from the first alpha above -base/u (all if u == 0)
                j = 0 if u == 0.0 else _first_above(alphas, -base / u, amin, amax)
                fwd[0, j] += q0
                fwd[1, j] += q1
                fwd[2, j] += q2
            else:
                j = _first_at_or_above(alphas, -base / u, amin, amax) - 1  # last active point
                bwd[0, j] += q0
                bwd[1, j] += q1
                bwd[2, j] += q2
        for j in range(1, Ga):
            for p in range(3):
                fwd[p, j] += fwd[p, j - 1]
        for j in range(Ga - 2, -1, -1):
            for p in range(3):
                bwd[p, j] += bwd[p, j + 1]
        for j in range(Ga):
            a = alphas[j]
            out[i, j] += (fwd[0, j] + bwd[0, j]) + a * ((fwd[1, j] + bwd[1, j]) + a * (fwd[2, j] + bwd[2, j]))


@njit_parallel
def grid_structured(R0, RU, RV, y, alphas, betas, out):
    """Crammer-Singer: out[i, j] += sum_n max(0, max over c != y_n of R(a_j, b_i)[n, c]),
    with R = R0 + a*RU + b*RV the margins s_c - s_y + delta (N, C)."""
    Gb = betas.shape[0]
    Ga = alphas.shape[0]
    N, C = R0.shape
    amin, amax = _bounds(alphas)
    for i in prange(Gb):
        b = betas[i]
        row = np.zeros(Ga)
        top = np.empty(Ga)
        for n in range(N):
            yn = y[n]
            any_positive = False
            for c in range(C):
                if c != yn:
                    base = R0[n, c] + b * RV[n, c]
                    if base + amin * RU[n, c] > 0.0 or base + amax * RU[n, c] > 0.0:
                        any_positive = True
            if not any_positive:
                continue
            top[:] = 0.0  # the max with 0 is folded in here
            for c in range(C):
                if c != yn:
                    base = R0[n, c] + b * RV[n, c]
                    u = RU[n, c]
                    for j in range(Ga):
                        top[j] = max(top[j], base + alphas[j] * u)
            for j in range(Ga):
                row[j] += top[j]
        for j in range(Ga):
            out[i, j] += row[j]


@njit_parallel
def exp_lines(P, Q, t, out):
    """out[n, c, j] = exp(P[n, c] + t[j] * Q[n, c]) for evenly spaced t (the caller checks): one exp per
    16 points and a multiplication by exp(h Q) in between (relative error under 1e-14; 4.6 million
    exponentials took 54 ms in numpy, 4 ms so)."""
    N, C = P.shape
    G = t.shape[0]
    h = (t[G - 1] - t[0]) / (G - 1) if G > 1 else 0.0
    for n in prange(N):
        for c in range(C):
            q = Q[n, c]
            r = math.exp(h * q)
            for j0 in range(0, G, 16):
                e = math.exp(P[n, c] + t[j0] * q)
                for j in range(j0, min(j0 + 16, G)):
                    out[n, c, j] = e
                    e *= r


@jit(inline="always")
def _times(prod, expo, i, z):
    """prod[i] *= 1 + z, with prod's binary exponent moved into expo (exact: prod stays in [1, 2)).
    The sum z is formed in z's dtype and 1 + z in float64, so a loss of 1e-8 keeps its digits in
    float32 too (1 + 1e-8 is 1 in float32)."""
    for j in range(z.shape[0]):
        bits = _f2i(prod[i, j] * (1.0 + np.float64(z[j])))  # >= 1 and finite: a normal float
        expo[i, j] += (bits >> 52) - 1023
        prod[i, j] = _i2f((bits & _MANTISSA) | _EXP_ONE)


@njit_parallel(fastmath={"contract"})
def grid_softmax_fast(EV, EU, y, prod, expo):
    """The cross-entropy's product form for a block of samples whose every exponent is within
    +-_EXP_LIMIT: with EV[n, c, i] = exp(R0 + betas[i] RV) and EU[n, c, j] = exp(alphas[j] RU),
    prod[i, j] * 2**expo[i, j] is multiplied by z = 1 + sum_{c != y} EV[n, c, i] * EU[n, c, j] per sample
    (one multiply-add per grid point and class: the arithmetic floor). EV and EU may be float32 (twice
    the numbers per vector instruction; the caller keeps their exponents small enough).

    Four grid rows at a time: each EU value loaded serves four rows (the loads, from a block of samples
    too big for the first-level cache, bound this loop more than the multiply-adds do), and two classes
    per pass halve the loads and stores of the row sums. 1.4x the speed of one row at a time here."""
    N, C, Gb = EV.shape
    Ga = EU.shape[2]
    for t in prange((Gb + 3) // 4):
        i0 = 4 * t
        z0 = np.empty(Ga, EU.dtype)
        z1 = np.empty(Ga, EU.dtype)
        z2 = np.empty(Ga, EU.dtype)
        z3 = np.empty(Ga, EU.dtype)
        ep = np.zeros((C + 1, 4), EV.dtype)  # row C stays 0: the odd class's partner
        for n in range(N):
            yn = y[n]
            for c in range(C):
                for r in range(4):
                    ep[c, r] = EV[n, c, i0 + r] if c != yn and i0 + r < Gb else 0.0
            z0[:] = 0.0
            z1[:] = 0.0
            z2[:] = 0.0
            z3[:] = 0.0
            for c in range(0, C, 2):
                a0, a1, a2, a3 = ep[c, 0], ep[c, 1], ep[c, 2], ep[c, 3]
                b0, b1, b2, b3 = ep[c + 1, 0], ep[c + 1, 1], ep[c + 1, 2], ep[c + 1, 3]
                u = EU[n, c]
                v = EU[n, c + 1] if c + 1 < C else u  # its factors b are 0
                for j in range(Ga):
                    uj, vj = u[j], v[j]
                    z0[j] += a0 * uj + b0 * vj
                    z1[j] += a1 * uj + b1 * vj
                    z2[j] += a2 * uj + b2 * vj
                    z3[j] += a3 * uj + b3 * vj
            _times(prod, expo, i0, z0)
            if i0 + 1 < Gb:
                _times(prod, expo, i0 + 1, z1)
            if i0 + 2 < Gb:
                _times(prod, expo, i0 + 2, z2)
            if i0 + 3 < Gb:
                _times(prod, expo, i0 + 3, z3)


@njit_parallel
def grid_softmax(R0, RU, RV, y, EU, alphas, betas, prod, expo, direct):
    """Cross-entropy over a plane, for a block of samples: sum_n log(1 + sum_{c != y} exp(R[n, c])),
    R = R0 + a*RU + b*RV the score differences s_c - s_y (N, C); EU[n, c, j] = exp(alphas[j]*RU[n, c]).

    The total over samples is kept as  direct + expo*ln2 + log(prod)  (all (Gb, Ga)):
    - fast path, exponents within +-_EXP_LIMIT: z = 1 + sum_c exp(P_c)*EU[n, c, :] needs one exp per
      (row, sample, class) instead of one per grid point, and the log of a product is a sum of logs, so
      prod *= z, with prod's binary exponent moved into the integer expo after each sample (exact), so no
      log is taken per sample either;
    - otherwise (huge scores): the stable log-sum-exp per grid point, added into direct.
    The caller starts with prod = 1, expo = 0, direct = 0 and may call once per block of samples.
    """
    Gb = betas.shape[0]
    Ga = alphas.shape[0]
    N, C = R0.shape
    amin, amax = _bounds(alphas)
    amax_abs = max(abs(amin), abs(amax))
    for i in prange(Gb):
        b = betas[i]
        z = np.empty(Ga)
        P = np.empty(C)
        for n in range(N):
            yn = y[n]
            fast = True
            for c in range(C):
                P[c] = R0[n, c] + b * RV[n, c]
                if c != yn and (abs(P[c]) > _EXP_LIMIT or amax_abs * abs(RU[n, c]) > _EXP_LIMIT):
                    fast = False
            if fast:
                z[:] = 1.0
                for c in range(C):
                    if c != yn:
                        ep = math.exp(P[c])
                        for j in range(Ga):
                            z[j] += ep * EU[n, c, j]
                for j in range(Ga):
                    bits = _f2i(prod[i, j] * z[j])  # >= 1 and finite: a normal float
                    expo[i, j] += (bits >> 52) - 1023
                    prod[i, j] = _i2f((bits & _MANTISSA) | _EXP_ONE)
            else:
                for j in range(Ga):
                    a = alphas[j]
                    m = 0.0  # the label's own term, exp(0)
                    for c in range(C):
                        if c != yn:
                            m = max(m, P[c] + a * RU[n, c])
                    se = math.exp(-m)
                    for c in range(C):
                        if c != yn:
                            se += math.exp(P[c] + a * RU[n, c] - m)
                    direct[i, j] += m + math.log(se)

