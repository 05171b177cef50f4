// The decorator moved to common/ so that sessions/ can use it without importing auth/; this path still works.
export { Client, clientOf } from '../../common/http/client-info';
