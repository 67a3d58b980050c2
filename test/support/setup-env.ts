// Tests never talk to anything but loopback; nock tests enable this per file.
process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'error';
