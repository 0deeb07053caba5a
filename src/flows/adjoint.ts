/**
 * Gradients of a loss of the neural ODE's end state (003, "Adjoint functions", "Theorem (Pontryagin)", "Adjoint
 * method"): for dz/dt = f_θ(z, t) from z(t₀) = z₀ to t₁ and a loss L(z(t₁)),
 *   a_z(t) = ∂L/∂z(t),  da_z/dt = −a_zᵀ ∂f_θ/∂z,  da_θ/dt = −a_zᵀ ∂f_θ/∂θ,
 * solved in reverse time from a_z(t₁) = ∂L/∂z(t₁), a_θ(t₁) = 0 to t₀, together with z itself (003 backward pass: z is
 * recomputed backward, not stored): ∂L/∂z₀ = a_z(t₀), ∂L/∂θ = a_θ(t₀) = ∫_{t₀}^{t₁} a_zᵀ ∂f_θ/∂θ dt.
 * 003 writes the same with the loss at t = 0 and the data at t = 1 (its forward pass runs 1 → 0); here that is the call
 * with t₀ = 1, t₁ = 0.
 *
 * For comparison, `discreteGradients` differentiates the fixed-step Runge–Kutta solution itself (reverse mode through
 * every stage: "the standard backprop in the discrete case", 003). The two agree up to the solver's error.
 */
import { checkSolveArgs, explicitRungeKutta, rungeKuttaStep, rungeKuttaWorkspace, type ButcherTableau, type OdeInfo, type OdeRhs, type OdeSolver } from './ode.js';
import { checkFieldTheta, neuralOdeRhs, type VectorField } from './neural-ode.js';

/** L(z(t₁)): returns the loss and writes ∂L/∂z(t₁) into grad (length d). */
export type LossGradient = (z1: Float64Array, grad: Float64Array) => number;

export interface OdeGradients {
  /** z(t₁) from the forward solve. */
  readonly z1: Float64Array;
  readonly loss: number;
  /** ∂L/∂z(t₀). */
  readonly gradZ0: Float64Array;
  /** ∂L/∂θ. */
  readonly gradTheta: Float64Array;
}

export interface AdjointResult extends OdeGradients {
  /** z(t₀) as recomputed by the backward solve (a check of its accuracy). */
  readonly z0Reconstructed: Float64Array;
  readonly forward: OdeInfo;
  readonly backward: OdeInfo;
}

/**
 * The right-hand side of the augmented backward system on y = [z (d); a_z (d); a_θ (p)] (003 Theorem (Pontryagin)):
 * dz/dt = f_θ(z, t), da_z/dt = −a_zᵀ ∂f_θ/∂z, da_θ/dt = −a_zᵀ ∂f_θ/∂θ.
 */
export function adjointRhs(field: VectorField, theta: Float64Array): OdeRhs {
  checkFieldTheta(field, theta, 'adjointRhs');
  const d = field.dim, p = field.paramDim;
  return (t, y, out) => {
    const z = y.subarray(0, d), a = y.subarray(d, 2 * d);
    field.value(theta, t, z, out.subarray(0, d));
    const oa = out.subarray(d, 2 * d), ot = out.subarray(2 * d, 2 * d + p);
    field.vjp(theta, t, z, a, oa, ot);
    for (let i = 0; i < d; i++) oa[i] = -oa[i]!; // 003 da_z/dt = −a_zᵀ ∂f/∂z
    for (let i = 0; i < p; i++) ot[i] = -ot[i]!; // 003 da_θ/dt = −a_zᵀ ∂f/∂θ
    return out;
  };
}

function checkLossGrad(name: string, grad: Float64Array, loss: number): void {
  if (!Number.isFinite(loss)) throw new RangeError(`${name}: the loss is not finite (${loss})`);
  for (let i = 0; i < grad.length; i++) {
    if (!Number.isFinite(grad[i]!)) throw new RangeError(`${name}: ∂L/∂z(t1)[${i}] = ${grad[i]} must be finite`);
  }
}

/**
 * The backward pass alone: integrates the augmented system `rhs` (usually `adjointRhs`) from [z(t₁); ∂L/∂z(t₁); 0] at
 * t₁ to t₀ and splits the result. d = dim z, p = dim θ.
 */
export function adjointBackward(
  solver: OdeSolver,
  rhs: OdeRhs,
  d: number,
  p: number,
  z1: Float64Array,
  gradZ1: Float64Array,
  t1: number,
  t0: number,
): { z0: Float64Array; gradZ0: Float64Array; gradTheta: Float64Array; info: OdeInfo } {
  const y1 = new Float64Array(2 * d + p);
  y1.set(z1.subarray(0, d), 0);
  y1.set(gradZ1.subarray(0, d), d);
  const y0 = new Float64Array(2 * d + p);
  const info = solver(rhs, y1, t1, t0, y0);
  return { z0: y0.slice(0, d), gradZ0: y0.slice(d, 2 * d), gradTheta: y0.slice(2 * d), info };
}

/**
 * 003 adjoint method: forward solve z(t₀) → z(t₁) with `solver`, then the augmented adjoint system backward with
 * `backwardSolver` (default: the same solver). Memory does not grow with the number of steps.
 */
export function adjointGradients(
  solver: OdeSolver,
  field: VectorField,
  theta: Float64Array,
  z0: Float64Array,
  t0: number,
  t1: number,
  loss: LossGradient,
  backwardSolver: OdeSolver = solver,
): AdjointResult {
  const name = 'adjointGradients';
  checkFieldTheta(field, theta, name);
  const d = field.dim;
  if (!(z0 instanceof Float64Array) || z0.length !== d) throw new RangeError(`${name}: z0 must be a Float64Array of length d = ${d}`);
  const z1 = new Float64Array(d);
  const forward = solver(neuralOdeRhs(field, theta), z0, t0, t1, z1);
  const g1 = new Float64Array(d);
  const L = loss(z1, g1);
  checkLossGrad(name, g1, L);
  const back = adjointBackward(backwardSolver, adjointRhs(field, theta), d, field.paramDim, z1, g1, t1, t0);
  return { z1, loss: L, gradZ0: back.gradZ0, gradTheta: back.gradTheta, z0Reconstructed: back.z0, forward, backward: back.info };
}

/**
 * Direct differentiation through a fixed-step explicit Runge–Kutta solve (the discrete adjoint): forward with
 * `steps` steps of `tab`, storing each step's start; then, step by step backward, with ȳ = ∂L/∂y_{k+1}:
 *   k̄_i = h b_i ȳ;  for i = s … 1: Ȳ_i = k̄_iᵀ ∂f/∂z(Y_i), θ̄ += k̄_iᵀ ∂f/∂θ(Y_i), k̄_j += h a_ij Ȳ_i (j < i);
 *   ∂L/∂y_k = ȳ + Σ_i Ȳ_i,
 * where Y_i = y_k + h Σ_j a_ij k_j are the stage inputs. This is the exact gradient of the computed z(t₁).
 */
export function discreteGradients(
  tab: ButcherTableau,
  steps: number,
  field: VectorField,
  theta: Float64Array,
  z0: Float64Array,
  t0: number,
  t1: number,
  loss: LossGradient,
): OdeGradients {
  const name = 'discreteGradients';
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`${name}: steps must be a positive integer, got ${steps}`);
  checkFieldTheta(field, theta, name);
  const d = field.dim, p = field.paramDim, s = tab.stages;
  if (!(z0 instanceof Float64Array) || z0.length !== d) throw new RangeError(`${name}: z0 must be a Float64Array of length d = ${d}`);
  checkSolveArgs(name, z0, t0, t1, new Float64Array(d));
  const f = neuralOdeRhs(field, theta);
  const h = (t1 - t0) / steps;
  const ys = new Float64Array((steps + 1) * d);
  ys.set(z0, 0);
  const ws = rungeKuttaWorkspace(tab, d);
  for (let k = 0; k < steps; k++) {
    rungeKuttaStep(tab, f, t0 + k * h, h, ys.subarray(k * d, (k + 1) * d), d, ws, ys.subarray((k + 1) * d, (k + 2) * d));
  }
  // The same numbers as the solver family's explicitRungeKutta (checked in the spec); this keeps every step's start.
  const z1 = ys.slice(steps * d);
  const yBar = new Float64Array(d);
  const L = loss(z1, yBar);
  checkLossGrad(name, yBar, L);
  const gradTheta = new Float64Array(p);
  const kBar = new Float64Array(s * d);
  const Y = new Float64Array(s * d);
  const gz = new Float64Array(d), gt = new Float64Array(p);
  const kst = ws.k;
  for (let k = steps - 1; k >= 0; k--) {
    const t = t0 + k * h;
    const y = ys.subarray(k * d, (k + 1) * d);
    // Recompute the stages of step k and keep their inputs Y_i.
    for (let i = 0; i < s; i++) {
      for (let m = 0; m < d; m++) {
        let acc = 0;
        for (let j = 0; j < i; j++) acc += tab.a[i * s + j]! * kst[j * d + m]!;
        Y[i * d + m] = y[m]! + h * acc;
      }
      field.value(theta, t + tab.c[i]! * h, Y.subarray(i * d, (i + 1) * d), kst.subarray(i * d, (i + 1) * d));
    }
    for (let i = 0; i < s; i++) for (let m = 0; m < d; m++) kBar[i * d + m] = h * tab.b[i]! * yBar[m]!;
    for (let i = s - 1; i >= 0; i--) {
      const kb = kBar.subarray(i * d, (i + 1) * d);
      field.vjp(theta, t + tab.c[i]! * h, Y.subarray(i * d, (i + 1) * d), kb, gz, gt);
      for (let q = 0; q < p; q++) gradTheta[q] = gradTheta[q]! + gt[q]!;
      for (let m = 0; m < d; m++) yBar[m] = yBar[m]! + gz[m]!;
      for (let j = 0; j < i; j++) {
        const c = h * tab.a[i * s + j]!;
        if (c === 0) continue;
        for (let m = 0; m < d; m++) kBar[j * d + m] = kBar[j * d + m]! + c * gz[m]!;
      }
    }
  }
  return { z1, loss: L, gradZ0: yBar, gradTheta };
}

/** The loss of z(t₁) computed by a fixed-step RK solve (for finite differences of `discreteGradients`). */
export function discreteLoss(
  tab: ButcherTableau,
  steps: number,
  field: VectorField,
  theta: Float64Array,
  z0: Float64Array,
  t0: number,
  t1: number,
  loss: LossGradient,
): number {
  const z1 = new Float64Array(field.dim);
  explicitRungeKutta(tab, { steps })(neuralOdeRhs(field, theta), z0, t0, t1, z1);
  return loss(z1, new Float64Array(field.dim));
}
