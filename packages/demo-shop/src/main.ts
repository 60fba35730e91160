import { startDemoShop } from './shop-server';

/** Runs the demo shop alone: `DEMO_SHOP_PORT` (default 8090) and `DEMO_SHOP_HOST` (default 127.0.0.1). */
const port = Number(process.env.DEMO_SHOP_PORT ?? '8090');
const host = process.env.DEMO_SHOP_HOST ?? '127.0.0.1';
const shop = await startDemoShop({ port, host });
process.stdout.write(`demo shop listening on ${shop.url}\n`);

const stop = () => {
  void shop.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
