/**
 * Keeping V8's optimised code from one clip to the next.
 *
 * A clip's objects live for one call. Once they are garbage-collected, V8 throws away optimised code
 * that depended on them, and the next clip starts over in unoptimised code while a compiler thread
 * rebuilds it: measured on the bench inputs, calls after a full collection were 3-4x slower than
 * calls without one. Three rules keep the hot code compiled:
 *
 * - Hot work lives in module-level functions and class methods, never in closures made per call:
 *   a new closure's optimised code is not kept once the closures before it are collected.
 * - Objects get all their fields in the literal that creates them (optional ones as undefined): a
 *   field added later gives the object a hidden class that dies with the call's objects.
 * - Each class keeps one idle instance (below): V8 forgets a class's instance layout, and the code
 *   compiled for it, once no instance is alive.
 */
const kept: object[] = [];

/** Keeps `instance` alive for the life of the module, and with it its class's instance layout. */
export function keepLayout(instance: object): void {
  kept.push(instance);
}
