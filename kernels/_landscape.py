"""Jitted kernels for the loss over a plane W0 + a*U + b*V of weight space (float64 throughout).

The algebra that makes a landscape cheap: scores are affine in (a, b),
    S(a, b) = S0 + a*SU + b*SV      with S0 = X @ W0, SU = X @ U, SV = X @ V  (N, C), formed once,
so every margin is a line in `a` along a grid row (fixed b). Each kernel runs one grid row per thread
(rows are independent: no shared accumulator), and its innermost loop runs over the row's grid points,
which LLVM vectorizes without any reassociation.

Shapes: grids are (len(betas), len(alphas)); alphas/betas float64; out arrays are added into.
"""

import math

import numpy as np
from numba import types
from numba.extending import intrinsic

from ._jit import njit_parallel, prange

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


@njit_parallel
def grid_terms(T0, TU, TV, alphas, betas, squared, out):
    """out[i, j] += sum_k f(T0[k] + alphas[j]*TU[k] + betas[i]*TV[k]), f = max(0, .) or max(0, .)^2.

    Per row, a term that is <= 0 at both ends of the alpha range is 0 on the whole row (it is a line)
    and is skipped; one that is >= 0 at both ends is a line (or its square, a parabola) on the whole
    row and goes into three running coefficients. Only terms whose kink falls inside the row cost a pass.
    """
    Gb = betas.shape[0]
    Ga = alphas.shape[0]
    K = T0.shape[0]
    amin = alphas.min()
    amax = alphas.max()
    for i in prange(Gb):
        b = betas[i]
        row = np.zeros(Ga)
        c0 = 0.0
        c1 = 0.0
        c2 = 0.0
        for k in range(K):
            base = T0[k] + b * TV[k]
            u = TU[k]
            lo = base + amin * u
            hi = base + amax * u
            if lo <= 0.0 and hi <= 0.0:
                continue
            if lo >= 0.0 and hi >= 0.0:
                if squared:
                    c0 += base * base
                    c1 += 2.0 * base * u
                    c2 += u * u
                else:
                    c0 += base
                    c1 += u
                continue
            if squared:
                for j in range(Ga):
                    m = max(base + alphas[j] * u, 0.0)
                    row[j] += m * m
            else:
                for j in range(Ga):
                    row[j] += max(base + alphas[j] * u, 0.0)
        for j in range(Ga):
            a = alphas[j]
            out[i, j] += row[j] + c0 + a * (c1 + a * c2)


@njit_parallel
def grid_structured(R0, RU, RV, y, alphas, betas, out):
    """Crammer-Singer: out[i, j] += sum_n max(0, max over c != y_n of R(a_j, b_i)[n, c]),
    with R = R0 + a*RU + b*RV the margins s_c - s_y + delta (N, C)."""
    Gb = betas.shape[0]
    Ga = alphas.shape[0]
    N, C = R0.shape
    amin = alphas.min()
    amax = alphas.max()
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
    amax_abs = max(abs(alphas.min()), abs(alphas.max()))
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

