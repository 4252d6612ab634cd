"""The JAX engine: a stateless ``train_step`` with both optimizers in `fit`'s state,
objectives differentiated with `jax.value_and_grad` (see `keras_gan_zoo.engine`).

How a step runs (the approach of keras-team/keras#18881): `fit` jit-compiles
``train_step(state, data)``; `train_step` opens a `keras.StatelessScope` that maps every
variable of the model, of its optimizers and of its metrics to its value in ``state``, and
runs the entry's step as written, as if stateful. Reads of a variable return the scope's
value and assignments (batch-norm statistics, spectral norm's ``u``, the moving average of
G, the optimizers' slots, the metrics) are recorded in the scope; the new state is read
back from it. `minimize` differentiates an objective with respect to the values of the
variables it updates inside a nested scope, whose updates it carries back to the step's.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from typing import Any, Callable, Iterator, Sequence

import jax
import keras
from keras import ops

__all__ = ["minimize", "input_gradients", "step_seed", "normal", "uniform", "global_count",
           "conv_transpose", "train_step", "group_optimizers", "values_kept",
           "SYNCHRONIZED_BATCH_NORM"]

#: No `tf.distribute` replicas: under `keras.distribution.DataParallel` one program sees the
#: global batch, so plain batch normalization already takes the global batch's statistics.
SYNCHRONIZED_BATCH_NORM = False


class _OpenScopes(threading.local):
    """The scopes the engine has open in this thread, innermost last: a step's, and within
    it `minimize`'s and `input_gradients`' (Keras has no public way to ask for the current
    scope)."""

    def __init__(self) -> None:
        self.scopes: list[keras.StatelessScope] = []


_open_scopes = _OpenScopes()


@contextlib.contextmanager
def _entered(scope: keras.StatelessScope) -> Iterator[keras.StatelessScope]:
    """``scope``, entered and recorded as the engine's innermost."""
    _open_scopes.scopes.append(scope)
    try:
        with scope:
            yield scope
    finally:
        _open_scopes.scopes.pop()


def _scope(state: dict[int, Any]) -> contextlib.AbstractContextManager[keras.StatelessScope]:
    """A `keras.StatelessScope` giving each variable (by ``id``) its value in ``state``
    (already the backend's arrays: not converted again), entered (`_entered`)."""
    scope = keras.StatelessScope()
    scope.state_mapping = dict(state)
    return _entered(scope)


def _innermost_scope() -> keras.StatelessScope | None:
    return _open_scopes.scopes[-1] if _open_scopes.scopes else None


def _scope_values(scope: keras.StatelessScope | None) -> dict[int, Any]:
    return {} if scope is None else dict(scope.state_mapping)


def minimize(objective: Callable[[], tuple[Any, Any]],
             *updates: tuple[keras.optimizers.Optimizer, Sequence[keras.Variable]]) -> Any:
    """Update each ``(optimizer, variables)`` of ``updates`` down the gradient of its loss in
    ``objective()``'s ``(losses, logs)`` (one loss, or a tuple with one per update), all from
    one forward pass; return the logs. The variables the objective assigns (batch-norm
    statistics, spectral norm's ``u``) keep their new values, as under a ``tf.GradientTape``."""
    outer = _innermost_scope()
    if outer is None:
        raise RuntimeError("engine.minimize runs inside an entry's train_step (on JAX, the "
                           "step opens the scope that holds the model's state).")
    state = _scope_values(outer)
    groups = [list(variables) for _, variables in updates]

    def losses_of(values: list[list[Any]]) -> tuple[tuple[Any, ...], tuple[Any, dict[int, Any]]]:
        start = dict(state)
        for group, group_values in zip(groups, values):
            start.update({id(v): x for v, x in zip(group, group_values)})
        with _scope(start) as scope:
            losses, logs = objective()
        changed = {key: value for key, value in scope.state_mapping.items()
                   if start.get(key) is not value}
        return tuple(losses) if isinstance(losses, (tuple, list)) else (losses,), (logs, changed)

    values = [[state.get(id(v), v.value) for v in group] for group in groups]
    losses, pullback, (logs, changed) = jax.vjp(losses_of, values, has_aux=True)
    outer.state_mapping.update(changed)
    for index, ((optimizer, _), group) in enumerate(zip(updates, groups, strict=True)):
        # The gradient of this update's loss alone (one-hot cotangent over the losses).
        cotangent = tuple(ops.ones_like(loss) if i == index else ops.zeros_like(loss)
                          for i, loss in enumerate(losses))
        (gradients,) = pullback(cotangent)
        optimizer.apply(gradients[index], group)
    return logs


def input_gradients(function: Callable[[Any], Any], inputs: Any) -> Any:
    """The gradient of ``sum(function(inputs))`` with respect to ``inputs``, differentiable
    again by the enclosing `minimize` (Gulrajani et al. 2017's double backpropagation). The
    variables ``function`` assigns (a batch-norm layer's statistics) are not updated by this
    extra pass."""
    state = _scope_values(_innermost_scope())

    def total(x: Any) -> Any:
        with _scope(state):
            return ops.sum(ops.cast(function(x), "float32"))

    return jax.grad(total)(inputs)


def step_seed(seed: int, draw: int, step: Any) -> jax.Array:
    """A stateless seed (uint32 ``[2]``, a raw JAX key) distinct per ``seed``, ``draw`` and
    training ``step``. One program draws for the global batch, so there are no replicas to
    tell apart."""
    key = jax.numpy.array([seed % (2**31), draw], dtype="uint32")
    return jax.random.fold_in(key, ops.cast(step, "uint32"))


def normal(shape: Sequence[Any], seed: jax.Array, dtype: Any = "float32") -> jax.Array:
    """N(0, 1) draws of ``shape`` from the stateless ``seed`` (`step_seed`)."""
    return keras.random.normal(tuple(shape), dtype=dtype, seed=seed)


def uniform(shape: Sequence[Any], seed: jax.Array, minval: float = 0.0, maxval: float = 1.0,
            dtype: Any = "float32") -> jax.Array:
    """U[minval, maxval) draws of ``shape`` from the stateless ``seed`` (`step_seed`)."""
    return keras.random.uniform(tuple(shape), minval, maxval, dtype=dtype, seed=seed)


def global_count(per_example: Any) -> Any:
    """The number of examples of the batch (float32): under `keras.distribution.DataParallel`
    an array is the global batch, so a mean over it is already the global mean."""
    return ops.cast(ops.shape(per_example)[0], "float32")


def _conv_transpose_padding(kernel_shape: Sequence[int], strides: Sequence[int],
                            padding: str) -> list[tuple[int, int]]:
    """For a ``[kh, kw, out, in]`` kernel, the padding of the strided convolution whose
    input-VJP is Keras' ``conv_transpose`` (Keras pads the stride-dilated input by ``(left,
    right)``, as Keras' JAX backend computes it; its adjoint convolution pads by ``(k - 1 -
    left, k - 1 - right)``, negative where it crops)."""
    pads = []
    for k, s in zip(kernel_shape[:2], strides):
        if padding == "valid":  # output (n - 1) s + max(k, s)
            left, right = k - 1, max(k, s) - 1
        else:  # "same": output n s, the padding k + s - 2 split as Keras splits it
            total = k + s - 2
            left = min(total // 2 + total % 2, k - 1)
            right = total - left
        pads.append((k - 1 - left, k - 1 - right))
    return pads


def _strided_conv(z: Any, kernel: Any, strides: tuple[int, ...],
                  padding: list[tuple[int, int]]) -> Any:
    return jax.lax.conv_general_dilated(z, kernel, strides, padding,
                                        dimension_numbers=("NHWC", "HWIO", "NHWC"))


@functools.partial(jax.custom_vjp, nondiff_argnums=(2, 3))
def _fast_conv_transpose(inputs: Any, kernel: Any, strides: tuple[int, ...], padding: str) -> Any:
    return ops.conv_transpose(inputs, kernel, strides=strides, padding=padding)


def _fast_conv_transpose_forward(inputs: Any, kernel: Any, strides: tuple[int, ...],
                                 padding: str) -> tuple[Any, tuple[Any, Any]]:
    return _fast_conv_transpose(inputs, kernel, strides, padding), (inputs, kernel)


def _fast_conv_transpose_backward(strides: tuple[int, ...], padding: str,
                                  residuals: tuple[Any, Any], upstream: Any) -> tuple[Any, Any]:
    inputs, kernel = residuals
    pads = _conv_transpose_padding(kernel.shape, strides, padding)
    # conv_transpose(x, K) = A_K x, where A_K is the adjoint of z -> conv(z, K) (the same
    # kernel array, read as HWIO): so dx = conv(g, K), and since <g, A_K x> = <conv(g, K), x>,
    # dK is the kernel-VJP of conv(g, .) at the cotangent x.
    grad_inputs, kernel_vjp = jax.vjp(lambda k: _strided_conv(upstream, k, strides, pads),
                                      kernel)
    (grad_kernel,) = kernel_vjp(ops.cast(inputs, upstream.dtype))
    return ops.cast(grad_inputs, inputs.dtype), ops.cast(grad_kernel, kernel.dtype)


_fast_conv_transpose.defvjp(_fast_conv_transpose_forward, _fast_conv_transpose_backward)


def conv_transpose(inputs: Any, kernel: Any, strides: Sequence[int], padding: str) -> Any:
    """Keras' ``ops.conv_transpose(inputs, kernel, strides, padding)`` (channels last, no
    dilation or output padding; ``kernel`` ``[kh, kw, out, in]``), the same values, with a
    faster gradient. JAX differentiates ``conv_transpose`` with respect to the kernel as a
    convolution with an input dilation, which XLA:CPU runs on a slow path (a 5x5, stride-2
    'same' 7x7x64 -> 14x14x32 transposed convolution at batch 32: 34 ms forward and
    gradients, against 1 ms forward). Here both gradients come from the strided convolution
    whose adjoint ``conv_transpose`` is (4.1 ms; the input gradient identical, the kernel's
    within 2e-6 relative)."""
    return _fast_conv_transpose(ops.convert_to_tensor(inputs), ops.convert_to_tensor(kernel),
                                tuple(int(s) for s in strides), padding.lower())


def _state_variables(model: keras.Model) -> tuple[list[keras.Variable], ...]:
    """The variables of `fit`'s JAX state, in its order: trainable, non-trainable, the
    optimizer's (`group_optimizers`), the metrics'."""
    optimizer = getattr(model, "optimizer", None)
    return (list(model.trainable_variables), list(model.non_trainable_variables),
            list(optimizer.variables) if optimizer is not None else [],
            list(model.metrics_variables))


def train_step(step: Callable[..., Any]) -> Callable[..., Any]:
    """An entry's ``train_step(self, data)``, written as if stateful, as `fit` calls it on
    JAX: ``train_step(state, data) -> (logs, state)``. Called with the data alone (a test, a
    benchmark, the step of another entry's), it runs on the variables' current values and
    assigns the new ones; inside a running step, it is the step itself."""
    if getattr(step, "stateless_step", False):
        return step

    @functools.wraps(step)
    def stateless(model: keras.Model, *args: Any) -> Any:
        if len(args) == 1:
            (data,) = args
            if _innermost_scope() is not None:
                return step(model, data)
            groups = _state_variables(model)
            state = tuple([v.value for v in group] for group in groups)
            logs, state = stateless(model, state, data)
            for group, values in zip(groups, state):
                for variable, value in zip(group, values):
                    variable.assign(value)
            return logs
        state, data = args
        groups = _state_variables(model)
        mapping = [pair for group, values in zip(groups, state) for pair in zip(group, values)]
        with _entered(keras.StatelessScope(state_mapping=mapping)) as scope:
            logs = step(model, data)
        new_state = tuple([_current(scope, v) for v in group] for group in groups)
        return logs, new_state

    stateless.stateless_step = True
    return stateless


def _current(scope: keras.StatelessScope, variable: keras.Variable) -> Any:
    value = scope.get_current_value(variable)
    return variable.value if value is None else value


class OptimizerGroup(keras.optimizers.MultiOptimizer):
    """The entry's optimizers as `fit`'s one ``model.optimizer`` (so that the JAX state
    carries all their variables), each for its own variables. The entry saves and restores
    its optimizers by their own names (``g_optimizer``, ``d_optimizer``): the group keeps
    nothing of its own in a ``.keras`` file, which therefore loads on either backend. (Keras'
    saving walks an object's attributes by name, and ``optimizer`` sorts before
    ``q_optimizer``: the group hides its optimizers from that walk, so InfoGAN's Q optimizer
    is saved under its own name on JAX too.)"""

    def __dir__(self) -> list[str]:
        return [name for name in super().__dir__()
                if name not in ("_inner_optimizers", "optimizers", "_optimizer_map")]

    def save_own_variables(self, store: Any) -> None:
        pass

    def load_own_variables(self, store: Any) -> None:
        pass

    def finalize_variable_values(self, var_list: Sequence[keras.Variable]) -> None:
        pass


def group_optimizers(optimizers: Sequence[keras.optimizers.Optimizer],
                     variables: Sequence[Sequence[keras.Variable]]) -> OptimizerGroup:
    """One `keras.optimizers.MultiOptimizer` over ``optimizers``, each routed its own
    ``variables`` (by identity: the networks' variable paths need not be distinct)."""
    owner: dict[int, keras.optimizers.Optimizer] = {}
    for optimizer, group in zip(optimizers, variables):
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            raise ValueError(
                "mixed_float16 (a loss-scaled optimizer) is not supported on the JAX backend: "
                "use --mixed-precision bfloat16, which needs no loss scaling.")
        for variable in group:
            owner[id(variable)] = optimizer
    group = OptimizerGroup(lambda variable: owner[id(variable)], name="optimizer_group")
    for optimizer in optimizers:
        if optimizer not in group._inner_optimizers:
            group._inner_optimizers.append(optimizer)
    group.build([v for variables_ in variables for v in variables_])
    return group


@contextlib.contextmanager
def values_kept(model: keras.Model) -> Iterator[None]:
    """Keep the model's values through a `fit` that raises before its first step ends.

    Keras' JAX `fit` detaches the variables' values while it trains (the state lives in the
    step's arguments) and attaches the last step's state when it stops; if the first step
    raises (a dataset of the wrong shape), there is no state to attach and every variable is
    left without a value. The values before `fit` are put back then."""
    variables = [v for group in _state_variables(model) for v in group]
    before = [v._value for v in variables]
    try:
        yield
    except BaseException:
        for variable, value in zip(variables, before):
            if variable._value is None and value is not None:
                variable._value = value
        raise
