// Dates and numbers on IQC pages, in the labs' time zone (China Standard Time).
export const LAB_TIME_ZONE = 'Asia/Shanghai';

export function formatDateTime(t: number, locale: string): string {
  return new Intl.DateTimeFormat(locale === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: LAB_TIME_ZONE, dateStyle: 'medium', timeStyle: 'short' }).format(t);
}

export function formatDay(t: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: LAB_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(t);
}

export function fmt(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits);
}
