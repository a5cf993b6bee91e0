// The scaling labels are validated in one place, shared with the gateway and the scaler.
export { SCALE_LABELS, initialReplicas, parseScaleLabels } from '@skiff/contracts';
export type { ScaleSettings } from '@skiff/contracts';
