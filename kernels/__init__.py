"""Losscape kernels: exact, Numba-compiled losses, gradients, loss landscapes and optimizers for the
linear classifier s = X @ W. Pure compute: no Qt, no files.

Validated entry points (bad input raises ValueError naming the argument):
  loss_and_grad(W, X, y, ...)            -> (loss, dW)
  grad_check(W, X, y, ...)               -> max relative error of dW against centred differences
  loss_grid(X, y, W0, U, V, alphas, betas, ...) = data_grid(...) + reg_grid(...)
  penalty(Ws, reg=..., lam=...)          -> lam * R(W), for one W or a stack
  run_optimizer(start, X, y, ...)        -> Trajectory (W per record, losses, divergence, state)
  hessian_vector(W, X, y, V, ...)        -> H V, the Hessian of the loss at W times V
  top_eigen(W, X, y, k=2, ...)           -> the k largest Hessian eigenvalues and their eigenvectors
  mlp_loss_and_grad(W1, W2, X, y, ...)   -> (loss, dW1, dW2) of a one-hidden-layer network
  mlp_loss_grid(X, y, P0, U, V, alphas, betas, hidden=H, ...) -> its loss over a plane of parameters
  (kernels.network: pack / unpack / init / scores of the network's flat parameters)
"""

from . import _jit
from .curvature import hessian_vector, top_eigen
from . import network
from .landscape import data_grid, loss_grid, reg_grid
from .network import mlp_loss_and_grad, mlp_loss_grid
from .losses import check_gradient, grad_check, loss_and_grad, numerical_grad, penalty
from .optimizers import OPTIMIZERS, SCHEDULES, OptimizerState, Trajectory, batch_indices, run_optimizer
from ._validate import LOSSES, REGS, reg_weights
from .specs import LOSS_SPECS, OPTIMIZER_SPECS, LossSpec, OptimizerSpec

__all__ = ["loss_and_grad", "grad_check", "check_gradient", "numerical_grad", "loss_grid", "data_grid", "reg_grid",
           "penalty", "reg_weights", "run_optimizer", "Trajectory", "OptimizerState", "batch_indices",
           "LOSSES", "REGS", "OPTIMIZERS", "SCHEDULES", "threading_layer", "hessian_vector", "top_eigen",
           "network", "mlp_loss_and_grad", "mlp_loss_grid", "LOSS_SPECS", "OPTIMIZER_SPECS", "LossSpec",
           "OptimizerSpec"]

threading_layer = _jit.threading_layer
