"""The physics as pure functions: constants and electroweak inputs, the model and its couplings,
two- and three-body widths, analytic cross sections, amplitudes, ISR and polarisation."""
