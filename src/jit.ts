/**
 * V8 forgets a class's instance layout (its hidden class) once no instance of it is alive, and with
 * it the optimised code of every method compiled for that layout. Our objects live for one call, so
 * after each full garbage collection the next clip would start over in unoptimised code while the
 * methods were compiled again (2-4x slower calls, and a compiler thread busy beside them). One idle
 * instance per class keeps the layout, and so the compiled code, for the life of the module.
 */
const kept: object[] = [];

export function keepLayout(instance: object): void {
  kept.push(instance);
}
