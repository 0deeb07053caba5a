/** src/basics — EBM basics of 000 §2 and 001 §2: cross-entropy, KL, Lemma 2.1, the MLE gradient (2.12)/(9), and the importance-sampling estimate of Z (2.2). */
export * from './cross-entropy.js';
export * from './importance.js';
