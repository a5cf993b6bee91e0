/** Why a bundle was refused: corrupt, too large, unsafe or without a manifest. The message is the reason. */
export class BundleError extends Error {
  override readonly name = 'BundleError';
}
