/**
 * Planar flow layer — 001 §3.4 ("Planar Flows"; Rezende & Mohamed 2015, App. A):
 *   f(x) = x + û h(wᵀx + b),   h = tanh,   log|det J_x f| = log|1 + h'(wᵀx + b) ûᵀw|   (matrix determinant lemma)
 * θ = [u (d), w (d), b]. f is invertible iff wᵀû ≥ −1; the standard reparameterisation enforces wᵀû > −1 for every θ:
 *   û = u + (m(wᵀu) − wᵀu) w/|w|²,   m(a) = −1 + log(1 + eᵃ)   ⇒   wᵀû = m(wᵀu) > −1.
 * w = 0 leaves û undefined and is rejected.
 *
 * Inverse (no closed form): with α = wᵀx + b, y = f(x) gives wᵀy + b = α + (wᵀû) h(α), so α is the root of the scalar
 *   g(α) = α + s tanh(α) − c,   s = wᵀû > −1,   c = wᵀy + b,
 * strictly increasing (g' = 1 + s h'(α) > 0) with its root in [c − |s|, c + |s|]; it is found by Newton's method
 * safeguarded by bisection on that bracket, then x = y − û h(α) and log|det J_y f⁻¹| = −log(1 + s h'(α)).
 * Its derivatives (inverseBackward) follow from the implicit function theorem: dα = (dc − h(α) ds)/(1 + s h'(α)).
 */
import type { Stream } from '../rng/stream.js';
import { normals } from '../rng/normal.js';
import { FORWARD_BACKWARD_NAMES, checkFlowBackward, checkFlowCall, scratch, type FlowLayer } from './layers.js';

const softplus = (t: number): number => (t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t)));
const sigmoid = (t: number): number => (t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t)));

/**
 * û of the reparameterisation into uHat (length d); returns σ = 1 + wᵀû = log(1 + e^{wᵀu}) > 0, computed from wᵀu
 * directly (not as 1 + wᵀû, which cancels when wᵀu ≪ 0). Throws on w = 0 and where σ underflows to 0.
 */
export function planarUHat(d: number, theta: Float64Array, uHat: Float64Array): number {
  if (theta.length < 2 * d) throw new RangeError(`planar(d=${d}): theta must hold [u, w] = ${2 * d} values, got ${theta.length}`);
  if (uHat.length < d) throw new RangeError(`planar(d=${d}): uHat must hold d = ${d} values, got ${uHat.length}`);
  let a = 0, q = 0;
  for (let j = 0; j < d; j++) {
    a += theta[d + j]! * theta[j]!;
    q += theta[d + j]! * theta[d + j]!;
  }
  if (!(q > 0)) throw new RangeError(`planar(d=${d}): w = theta[${d}…${2 * d - 1}] must be nonzero (|w|² = ${q} leaves û undefined)`);
  const sp = softplus(a); // 1 + m(wᵀu)
  if (!(sp > 0)) throw new RangeError(`planar(d=${d}): wᵀu = ${a} makes 1 + wᵀû = log(1 + e^{wᵀu}) underflow to 0: the layer is numerically singular`);
  const r = (sp - 1 - a) / q;
  for (let j = 0; j < d; j++) uHat[j] = theta[j]! + r * theta[d + j]!;
  return sp;
}

/** 1 + s h'(α) with s = σ − 1 and h' = 1 − tanh², as tanh² + σ h' (no cancellation near the limit s → −1). */
function planarD(sigma: number, h: number): number {
  return h * h + sigma * (1 - h * h);
}

/** The root α of α + s tanh α = c for s > −1 (safeguarded Newton; see the module header). */
export function planarSolveAlpha(s: number, c: number): number {
  // s = −1 is allowed: the layer passes s = σ − 1, which rounds to −1 when σ = log(1 + e^{wᵀu}) < 2⁻⁵³, and
  // α − tanh α is still strictly increasing (g' = tanh² α vanishes only at α = 0), so the root stays unique.
  if (!(Number.isFinite(s) && s >= -1)) throw new RangeError(`planarSolveAlpha: s = wᵀû = ${s} must be finite and ≥ −1 (invertibility)`);
  if (!Number.isFinite(c)) throw new RangeError(`planarSolveAlpha: c = wᵀy + b = ${c} must be finite`);
  let lo = c - Math.abs(s), hi = c + Math.abs(s);
  let a = c - s * Math.tanh(c); // one fixed-point step as the start
  if (!(a >= lo && a <= hi)) a = 0.5 * (lo + hi);
  for (let it = 0; it < 200; it++) {
    const t = Math.tanh(a);
    const g = a + s * t - c;
    if (g === 0) return a;
    if (g > 0) hi = a; else lo = a;
    const gp = 1 + s * (1 - t * t);
    let next = a - g / gp;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - a) <= 2e-16 * Math.max(1, Math.abs(a)) || hi - lo <= 2e-16 * Math.max(1, Math.abs(a))) return next;
    a = next;
  }
  return a;
}

/**
 * Chain ∂L/∂û (gU) and the direct ∂L/∂w (gW) through û = u + r w, r = (m(a) − a)/q, a = wᵀu, q = |w|², adding
 * ∂L/∂u and ∂L/∂w into gradTheta[0 … 2d − 1].
 */
function chainUHat(d: number, theta: Float64Array, gU: Float64Array, gW: Float64Array, gradTheta: Float64Array): void {
  let a = 0, q = 0, gw = 0;
  for (let j = 0; j < d; j++) {
    a += theta[d + j]! * theta[j]!;
    q += theta[d + j]! * theta[d + j]!;
    gw += gU[j]! * theta[d + j]!;
  }
  const m = softplus(a) - 1, mp = sigmoid(a), rr = (m - a) / q;
  const cu = (gw * (mp - 1)) / q, cq = (-2 * gw * (m - a)) / (q * q);
  for (let j = 0; j < d; j++) {
    const uj = theta[j]!, wj = theta[d + j]!;
    gradTheta[j] += gU[j]! + cu * wj;
    gradTheta[d + j] += gW[j]! + rr * gU[j]! + cu * uj + cq * wj;
  }
}

/** The planar layer f(x) = x + û tanh(wᵀx + b) on ℝ^d. */
export function planarLayer(d: number): FlowLayer {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`planarLayer: d must be a positive integer, got ${d}`);
  const name = `planar(d=${d})`;
  const paramDim = 2 * d + 1;
  const self = { name, dim: d, paramDim };
  const ws = scratch();
  return {
    ...self,
    forward(theta, x, n, out, logDet) {
      checkFlowCall(self, theta, x, n, out, logDet);
      const uHat = ws.get(d);
      const sigma = planarUHat(d, theta, uHat), b = theta[2 * d]!;
      for (let r = 0; r < n; r++) {
        const o = r * d;
        let alpha = b;
        for (let j = 0; j < d; j++) alpha += theta[d + j]! * x[o + j]!;
        const h = Math.tanh(alpha);
        for (let j = 0; j < d; j++) out[o + j] = x[o + j]! + uHat[j]! * h;
        logDet[r] = Math.log(planarD(sigma, h)); // log|1 + h'(α) ûᵀw|, positive since wᵀû > −1
      }
      return out;
    },
    inverse(theta, y, n, out, logDet) {
      checkFlowCall(self, theta, y, n, out, logDet);
      const uHat = ws.get(d);
      const sigma = planarUHat(d, theta, uHat), s = sigma - 1, b = theta[2 * d]!;
      for (let r = 0; r < n; r++) {
        const o = r * d;
        let c = b;
        for (let j = 0; j < d; j++) c += theta[d + j]! * y[o + j]!;
        const alpha = planarSolveAlpha(s, c);
        const h = Math.tanh(alpha);
        for (let j = 0; j < d; j++) out[o + j] = y[o + j]! - uHat[j]! * h;
        logDet[r] = -Math.log(planarD(sigma, h)); // (3.54)
      }
      return out;
    },
    inverseBackward(theta, y, n, gradX, gradLogDet, gradTheta, gradY) {
      checkFlowBackward(self, theta, y, n, gradX, gradLogDet, gradTheta, gradY);
      const buf = ws.get(3 * d);
      const uHat = buf.subarray(0, d), gU = buf.subarray(d, 2 * d), gW = buf.subarray(2 * d, 3 * d);
      gU.fill(0);
      gW.fill(0);
      const sigma = planarUHat(d, theta, uHat), s = sigma - 1, b = theta[2 * d]!;
      let gB = 0;
      for (let r = 0; r < n; r++) {
        const o = r * d;
        let c = b;
        for (let j = 0; j < d; j++) c += theta[d + j]! * y[o + j]!;
        const alpha = planarSolveAlpha(s, c);
        const h = Math.tanh(alpha), hp = 1 - h * h, hpp = -2 * h * hp;
        const D = planarD(sigma, h);
        const gL = gradLogDet[r]!;
        let gxu = 0;
        for (let j = 0; j < d; j++) gxu += gradX[o + j]! * uHat[j]!;
        // x = y − û h(α), logDet = −log D; κ = ∂L/∂α with α held as a free variable
        const kappa = -gxu * hp - (gL * s * hpp) / D;
        const kd = kappa / D; // through dα = (dc − h ds)/D
        const cs = -(gL * hp) / D - kd * h; // ∂L/∂s
        for (let j = 0; j < d; j++) {
          const wj = theta[d + j]!;
          gradY[o + j] = gradX[o + j]! + kd * wj;
          gU[j] += -h * gradX[o + j]! + cs * wj; // ∂L/∂û (s = wᵀû)
          gW[j] += kd * y[o + j]! + cs * uHat[j]!; // ∂L/∂w through c and s, û held fixed
        }
        gB += kd;
      }
      chainUHat(d, theta, gU, gW, gradTheta);
      gradTheta[2 * d] += gB;
    },
    forwardBackward(theta, x, n, gradY, gradLogDet, gradTheta, gradX) {
      checkFlowBackward(self, theta, x, n, gradY, gradLogDet, gradTheta, gradX, FORWARD_BACKWARD_NAMES);
      const buf = ws.get(3 * d);
      const uHat = buf.subarray(0, d), gU = buf.subarray(d, 2 * d), gW = buf.subarray(2 * d, 3 * d);
      gU.fill(0);
      gW.fill(0);
      const sigma = planarUHat(d, theta, uHat), s = sigma - 1, b = theta[2 * d]!;
      let gB = 0;
      for (let r = 0; r < n; r++) {
        const o = r * d;
        let alpha = b;
        for (let j = 0; j < d; j++) alpha += theta[d + j]! * x[o + j]!;
        const h = Math.tanh(alpha), hp = 1 - h * h, hpp = -2 * h * hp;
        const D = planarD(sigma, h);
        const gL = gradLogDet[r]!;
        let gyu = 0;
        for (let j = 0; j < d; j++) gyu += gradY[o + j]! * uHat[j]!;
        // y = x + û h(α), logDet = log D with D = 1 + s h'(α), α = wᵀx + b
        const kappa = hp * gyu + (gL * s * hpp) / D; // ∂L/∂α
        const cs = (gL * hp) / D; // ∂L/∂s
        for (let j = 0; j < d; j++) {
          const wj = theta[d + j]!;
          gradX[o + j] = gradY[o + j]! + kappa * wj;
          gU[j] += h * gradY[o + j]! + cs * wj;
          gW[j] += kappa * x[o + j]! + cs * uHat[j]!;
        }
        gB += kappa;
      }
      chainUHat(d, theta, gU, gW, gradTheta);
      gradTheta[2 * d] += gB;
    },
    initialParams(stream: Stream, out: Float64Array) {
      normals(stream, out, 0, paramDim);
      for (let j = 0; j < paramDim; j++) out[j] = 0.1 * out[j]!;
      return out;
    },
  };
}
