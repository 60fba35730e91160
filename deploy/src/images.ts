import { splitImage } from './kustomize';

const DIGEST = /^sha256:[a-f0-9]{64}$/;
/** A version of at least major.minor, with an optional variant such as `-alpine`. */
const EXACT_VERSION_TAG = /^v?[0-9]+\.[0-9]+(\.[0-9]+)?([-+][A-Za-z0-9.-]+)?$/;

/**
 * Tells why an image reference is not pinned, or returns undefined when it is: pinned means a
 * sha256 digest, or a tag with an exact version (`2.10.24-alpine`, `16.6`), not `latest`, a bare
 * major version or a distribution name.
 */
export function imagePinProblem(image: string): string | undefined {
  const { tag, digest } = splitImage(image);
  if (digest !== undefined) {
    return DIGEST.test(digest) ? undefined : `image ${image} has a malformed digest`;
  }
  if (tag === undefined) return `image ${image} has no tag; pin an exact version or a digest`;
  if (!EXACT_VERSION_TAG.test(tag)) {
    return `image ${image} uses tag "${tag}", which can move; pin an exact version or a digest`;
  }
  return undefined;
}

/** Returns the Orderflow service an image belongs to (`<registry>/orderflow/<service>`), if any. */
export function serviceOfImage(image: string): string | undefined {
  const segments = splitImage(image).name.split('/');
  return segments.at(-2) === 'orderflow' ? segments.at(-1) : undefined;
}
