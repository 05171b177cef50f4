// Where the Gatehouse API is. serve.mjs answers this file from its API_URL variable instead.
export const apiUrl = 'http://localhost:3000';
