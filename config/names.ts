/** Every physical name carries the club's slug and the stack, so clubs and environments share an account. */
export interface StackIdentity {
  slug: string;
  stack: string;
}

/** Prefix for resource, function and secret names: `signon-urmston-prod`. */
export function namePrefix({ slug, stack }: StackIdentity): string {
  return `signon-${slug}-${stack}`;
}

/** SSM path under which the stack's settings live: `/signon/urmston/prod`. */
export function parameterPath({ slug, stack }: StackIdentity): string {
  return `/signon/${slug}/${stack}`;
}
