/**
 * A class whose instances keep their prototype across processes: register a
 * named codec (in every process that reads the objects) and name it in the
 * store's options. The default codec, like structured clone, would bring back
 * a plain object without the class's methods.
 * Run: node --import tsx examples/custom-codec.ts
 */
import { LocalStore, registerCodec, reviveProxies } from 'proxystore';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}

  norm(): number {
    return Math.hypot(this.x, this.y);
  }
}

registerCodec('example/point', {
  serializer: (value) => Buffer.from(JSON.stringify(value)),
  deserializer: (data) => {
    const { x, y } = JSON.parse(Buffer.from(data).toString('utf8')) as Point;
    return new Point(x, y);
  },
});

const store = new LocalStore('points', {
  serializer: 'example/point',
  deserializer: 'example/point',
  register: true,
});

const p = await store.proxy(new Point(3, 4), { populateTarget: false });
const copy = JSON.parse(JSON.stringify(p), reviveProxies) as Point;
console.log('instanceof Point:', copy instanceof Point, 'norm:', copy.norm());
await store.close();
