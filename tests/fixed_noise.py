"""Deterministic noise for comparing a step on N replicas with a step on one."""

import tensorflow as tf


def fixed_noise(model, noise):
    """Replace the model's noise by rows of ``noise``: replica r of n gets the r-th block,
    so n replicas together use exactly the noise one replica uses."""

    def sample_noise(batch_size):
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync
        local = noise.shape[0] // replicas
        start = tf.cast(context.replica_id_in_sync_group, tf.int32) * local
        return tf.slice(tf.constant(noise), [start, 0], [local, noise.shape[1]])

    model.sample_noise = sample_noise
