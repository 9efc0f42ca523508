/** An NCHW tensor's shape [N, C, H, W]: the one declaration the launchers, references, engine ops and benches share. */
export type Shape4 = [number, number, number, number];
