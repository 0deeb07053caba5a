/** src/latent — 001 §3.1-3.2: the VAE (ELBO, reparameterization) on the linear-Gaussian model and the GAN (minimax value, optimal discriminator, alternating algorithm) on 1-D densities. */
export * from './vae.js';
export * from './gan.js';
