"""Phonon channels: hop probabilities from a density of states, channel averaging, phonon modes.

:mod:`~superionic.channels.probability` is Eq. 2 (with Eq. 3 as its constant-DOS limit);
:mod:`~superionic.channels.exchange`, :mod:`~superionic.channels.products` and
:mod:`~superionic.channels.average` are the channel exchange, time-ordered products, phase
averages and hop rate of Eqs. 4-7; :mod:`~superionic.channels.phonons` ranks phonon modes by the
criteria of Sec. II.2 and reads phonopy files (:mod:`~superionic.channels.phonon_io`,
:mod:`~superionic.channels.phonon_modes`).
"""

from . import average, exchange, phonon_io, phonon_modes, phonons, probability, products
from .average import hop_rate, rate_limit
from .exchange import (
    AnyChannel,
    Channel,
    MatrixChannel,
    channel_matrix,
    model_thresholds,
    sub_steps,
)
from .phonons import PhononModes, rank_modes, top_channels
from .probability import (
    FunctionDOS,
    TabulatedDOS,
    as_dos,
    boltzmann_tail,
    constant_dos,
    effective_activation_energy,
    gaussian_dos,
    hop_probability,
    power_law_dos,
    probability_vs_temperature,
)
from .products import channel_product, full_hopping_matrix, phase_average, phase_rule

__all__ = [
    "AnyChannel",
    "Channel",
    "FunctionDOS",
    "MatrixChannel",
    "PhononModes",
    "TabulatedDOS",
    "as_dos",
    "average",
    "boltzmann_tail",
    "channel_matrix",
    "channel_product",
    "constant_dos",
    "effective_activation_energy",
    "exchange",
    "full_hopping_matrix",
    "gaussian_dos",
    "hop_probability",
    "hop_rate",
    "model_thresholds",
    "phase_average",
    "phase_rule",
    "phonon_io",
    "phonon_modes",
    "phonons",
    "power_law_dos",
    "probability",
    "probability_vs_temperature",
    "products",
    "rank_modes",
    "rate_limit",
    "sub_steps",
    "top_channels",
]
