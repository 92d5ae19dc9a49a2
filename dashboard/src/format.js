// Numbers as the page shows them: plain text that a reader (and a test) can read, e.g. "12.3 rps", "10.0 %", "100 %".

export function rate(requestsPerSecond) {
  return `${number(requestsPerSecond).toFixed(1)} rps`;
}

/** TCP connections opened per second. */
export function connectionRate(connectionsPerSecond) {
  return `${number(connectionsPerSecond).toFixed(1)} conn/s`;
}

/** Bytes per second in B, KB, MB or GB (powers of 1000, as network rates are read). */
export function bytesPerSecond(value) {
  const units = ['B', 'KB', 'MB', 'GB'];
  let scaled = number(value);
  let unit = 0;
  while (scaled >= 1000 && unit < units.length - 1) {
    scaled /= 1000;
    unit++;
  }
  return `${unit === 0 ? Math.round(scaled) : scaled.toFixed(1)} ${units[unit]}/s`;
}

export function perSecond(value) {
  return `${number(value).toFixed(1)}/s`;
}

/** A share 0..1 as a percentage; the two ends read as whole numbers ("0 %", "100 %"), anything between with one decimal. */
export function percent(share) {
  if (share === null || share === undefined || Number.isNaN(share)) {
    return '–';
  }
  const value = number(share) * 100;
  if (value >= 100) {
    return '100 %';
  }
  if (value <= 0) {
    return '0 %';
  }
  return `${value.toFixed(1)} %`;
}

export function millis(value) {
  return value === null || value === undefined ? '–' : `${number(value).toFixed(1)} ms`;
}

/** The mTLS badge's class: full (green, closed lock), partial (amber), none (grey, open lock) or unknown. */
export function mtlsClass(share) {
  if (share === null || share === undefined) {
    return 'mtls-unknown';
  }
  if (share >= 1) {
    return 'mtls-full';
  }
  return share <= 0 ? 'mtls-none' : 'mtls-partial';
}

function number(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
