/** The retrieve service arrives with its own issue; this package reserves its place in the workspace. */
export const SERVICE_NAME = 'retrieve';
