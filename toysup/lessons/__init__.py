"""The course on superposition and sparse autoencoders: exercise checks and the lesson tools.

In a lesson, after writing an exercise's function, the student calls its check::

    >>> from toysup.lessons import check_forward
    >>> check_forward(forward)      # doctest: +SKIP
    ✓ forward: all 8 tests passed

``toysup lessons build --out DIR`` writes the lessons (``lessons/NN_name.py``, jupytext percent format) as
Jupyter notebooks; ``TOYSUP_QUICK=1`` makes every lesson shrink its runs (the tests use it).
"""

from .checks import check_angle_gaps as check_angle_gaps
from .checks import check_antipodal_loss_without_bias as check_antipodal_loss_without_bias
from .checks import check_candidate_losses as check_candidate_losses
from .checks import check_cosine_similarities as check_cosine_similarities
from .checks import check_dimensions_per_feature as check_dimensions_per_feature
from .checks import check_draw_sparse_features as check_draw_sparse_features
from .checks import check_dropped_feature_loss as check_dropped_feature_loss
from .checks import check_exact_abs_weights as check_exact_abs_weights
from .checks import check_feature_dimensionality as check_feature_dimensionality
from .checks import check_feature_norms as check_feature_norms
from .checks import check_forward as check_forward
from .checks import check_interference as check_interference
from .checks import check_linear_model_loss as check_linear_model_loss
from .checks import check_monte_carlo_loss as check_monte_carlo_loss
from .checks import check_neuron_alignment as check_neuron_alignment
from .checks import check_regular_polygon as check_regular_polygon
from .checks import check_weighted_loss as check_weighted_loss
from .circuit_checks import check_attribution_edges as check_attribution_edges
from .circuit_checks import check_predicted_steering as check_predicted_steering
from .circuit_checks import check_prune_edges as check_prune_edges
from .circuit_checks import check_steer_feature as check_steer_feature
from .course import build as build
from .course import is_quick as is_quick
from .course import lesson_paths as lesson_paths
from .course import lesson_title as lesson_title
from .course import load_solutions as load_solutions
from .course import read_lesson as read_lesson
from .course import run_lesson as run_lesson
from .course import solution_path as solution_path
from .primer_checks import check_ensemble_losses as check_ensemble_losses
from .primer_checks import check_gradient_step as check_gradient_step
from .primer_checks import check_train as check_train
from .primer_checks import check_zero_feature as check_zero_feature
from .sae_checks import check_dead_latents as check_dead_latents
from .sae_checks import check_gated_encode as check_gated_encode
from .sae_checks import check_jumprelu as check_jumprelu
from .sae_checks import check_jumprelu_threshold_gradient as check_jumprelu_threshold_gradient
from .sae_checks import check_mean_max_cosine_similarity as check_mean_max_cosine_similarity
from .sae_checks import check_relative_reconstruction_bias as check_relative_reconstruction_bias
from .sae_checks import check_resample_dead_latents as check_resample_dead_latents
from .sae_checks import check_sae_encode as check_sae_encode
from .sae_checks import check_sae_loss as check_sae_loss
from .sae_checks import check_topk_activation as check_topk_activation
from .sae_system_checks import check_gated_loss as check_gated_loss
from .sae_system_checks import check_init_sae as check_init_sae
from .sae_system_checks import check_jumprelu_loss as check_jumprelu_loss
from .sae_system_checks import check_jumprelu_st as check_jumprelu_st
from .sae_system_checks import check_sae_train_step as check_sae_train_step
from .sae_system_checks import check_train_end_to_end as check_train_end_to_end
from .sae_system_checks import check_train_sae_loop as check_train_sae_loop
from .sae_system_checks import check_train_sae_with_resampling as check_train_sae_with_resampling
from .system_checks import check_abs_forward as check_abs_forward
from .system_checks import check_draw_anticorrelated_features as check_draw_anticorrelated_features
from .system_checks import check_draw_correlated_features as check_draw_correlated_features
from .system_checks import check_init_params as check_init_params
from .system_checks import check_relu_hidden_forward as check_relu_hidden_forward
from .system_checks import check_train_instances as check_train_instances
from .system_checks import check_train_model as check_train_model
from .system_checks import check_train_step as check_train_step
