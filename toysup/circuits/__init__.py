"""Beyond features: circuits in toy models that compute something.

``transcoders``: sparse replacements of a toy model's nonlinear map (the |x| and ReLU-output models), trained with
the SAE machine of :mod:`toysup.sae` to imitate the model's output from its input, and scored on how well they
imitate it and how monosemantic their latents are; ``trace_transcoder`` traces a transcoder's attribution graph
(``attribution``) and scores it against the task's graph and the model's own. ``steering``: add α times a feature's
direction to a toy model's hidden activation and compare with the prediction of WᵀW.
"""

from . import transcoders as transcoders
from .transcoders import CIRCUIT_THRESHOLD as CIRCUIT_THRESHOLD
from .transcoders import SPARSE_ABS as SPARSE_ABS
from .transcoders import TRACE_SAMPLES as TRACE_SAMPLES
from .transcoders import Circuit as Circuit
from .transcoders import TranscoderData as TranscoderData
from .transcoders import graph_from_json as graph_from_json
from .transcoders import imitation as imitation
from .transcoders import instance_params as instance_params
from .transcoders import model_graph as model_graph
from .transcoders import model_output as model_output
from .transcoders import monosemanticity as monosemanticity
from .transcoders import random_transcoder as random_transcoder
from .transcoders import trace_transcoder as trace_transcoder
from .transcoders import train_transcoder as train_transcoder
from .transcoders import transcoder_data as transcoder_data
from .transcoders import transcoder_outputs as transcoder_outputs
from .transcoders import transcoder_samples as transcoder_samples
