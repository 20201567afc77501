// Jest globalTeardown for the e2e project: stops the control plane global-setup.ts started (never a reused one).
export default async function globalTeardown(): Promise<void> {
  const plane = globalThis.__gatewrightControlPlane;
  globalThis.__gatewrightControlPlane = undefined;
  if (plane !== undefined) await plane.stop();
}
